// How a health state looks: a word, a shape and a colour, so that colour is never the only signal.
import type { HealthState } from '../../src/core/reports/health-state.js';
import { el } from './dom.js';

const SYMBOL: Record<HealthState, string> = { Healthy: '✓', Failing: '✕', Late: '◷', 'Never run': '○', Unscheduled: '–' };

/** The CSS class of a state: state-healthy, state-never-run, … */
export function stateClass(state: HealthState): string {
  return `state-${state.toLowerCase().replace(/ /g, '-')}`;
}

/** A chip with the state's shape and word. */
export function stateChip(state: HealthState): HTMLElement {
  return el('span', { class: `chip ${stateClass(state)}` }, el('span', { class: 'chip-symbol', 'aria-hidden': 'true' }, SYMBOL[state]), state);
}
