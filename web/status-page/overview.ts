// The top of the page: the answer ("covered" or what is not), the count per state, the pgBackRest stanzas
// whose check fails or never ran, the configuration's applied and attempted revisions with the refusal, and
// the daemon's own state.
import { HEALTH_STATES, type StatusPageData } from '../../src/core/reports/status-page-model.js';
import type { HealthState } from '../../src/core/reports/health-state.js';
import { el, section } from './dom.js';
import { formatTime, timeWithRelative } from './format.js';
import { stateClass, stateChip } from './states.js';

export function coverage(data: StatusPageData, show: (state: HealthState) => void): HTMLElement {
  const s = data.summary;
  const problems = (['Failing', 'Late', 'Never run'] as const).filter((k) => s[k] > 0).map((k) => `${s[k].toLocaleString('en')} ${k.toLowerCase()}`);
  const rpo = data.definitions.filter((d) => d.rpo?.breached).length;
  if (rpo > 0) problems.push(`${rpo.toLocaleString('en')} over their RPO`);
  // A failing stanza takes no backup and archives no WAL: not covered, whatever the definitions' last runs say.
  const failingStanzas = data.nodes.filter((n) => n.stanza?.state === 'failing');
  if (failingStanzas.length > 0) problems.push(`${failingStanzas.length.toLocaleString('en')} pgBackRest stanza${failingStanzas.length === 1 ? '' : 's'} failing its check`);
  const covered = problems.length === 0;
  const verdict = el('p', { class: `verdict ${covered ? 'verdict-ok' : 'verdict-bad'}`, id: 'verdict' },
    el('span', { 'aria-hidden': 'true' }, covered ? '✓ ' : '✕ '),
    covered ? `Covered: every scheduled definition is healthy (${s.Healthy.toLocaleString('en')}).` : `Not covered: ${problems.join(', ')}.`);
  const tiles = el('ul', { class: 'tiles', id: 'summary' }, ...HEALTH_STATES.map((state) => {
    const b = el('button', { type: 'button', class: `tile ${stateClass(state)}`, 'data-state': state, 'aria-label': `${s[state]} ${state}: show them` },
      el('span', { class: 'tile-count' }, s[state].toLocaleString('en')), stateChip(state));
    b.addEventListener('click', () => show(state));
    return el('li', {}, b);
  }));
  return section('coverage', 'Are we covered?', verdict, tiles, stanzaAlerts(data));
}

/** The pgBackRest stanzas not passing their check, in words (docs/pgbackrest.md, "A failing stanza"). */
function stanzaAlerts(data: StatusPageData): HTMLElement | null {
  const line = (n: StatusPageData['nodes'][number]) => {
    const s = n.stanza!;
    const where = `pgBackRest stanza ${s.name} (node ${n.name}, server ${n.server})`;
    return s.state === 'failing'
      ? `${where}: check FAILING since ${formatTime(s.failingSince ?? s.checkedAt)}: ${s.detail ?? 'failed'}`
      : `${where}: never checked (pgbackops apply or pgbackops check ${n.name} checks it)`;
  };
  const failing = data.nodes.filter((n) => n.stanza?.state === 'failing');
  const unchecked = data.nodes.filter((n) => n.stanza?.state === 'never_checked');
  if (failing.length === 0 && unchecked.length === 0) return null;
  return el('div', { id: 'stanza-checks' },
    failing.length > 0 && el('div', { class: 'alert', role: 'alert' }, el('strong', {}, 'pgBackRest stanza check failing:'), el('ul', {}, ...failing.map((n) => el('li', {}, line(n))))),
    unchecked.length > 0 && el('div', { class: 'alert alert-warn' }, el('strong', {}, 'pgBackRest stanza never checked:'), el('ul', {}, ...unchecked.map((n) => el('li', {}, line(n))))));
}

export function configuration(data: StatusPageData): HTMLElement {
  const r = data.revision;
  const now = data.generatedAt;
  const rows: Array<[string, Node | string]> = [
    ['Applied revision', r.applied === null ? 'none yet' : el('span', {}, el('code', {}, r.applied), ` at ${timeWithRelative(r.appliedAt, now)}`)],
    ['Last attempted revision', r.attempted === null ? 'none yet' : el('span', {}, el('code', {}, r.attempted), ` at ${timeWithRelative(r.attemptedAt, now)}`)],
  ];
  const d = data.daemon;
  if (d) {
    rows.push(['Daemon', `${d.ready ? 'ready' : 'not ready'} for server ${d.server}, following ${d.source}; ${d.catalogConnected ? 'catalog connected' : 'catalog unreachable'}`]);
    if (d.lastPass) rows.push(['Last pass', `${d.lastPass.result} at ${d.lastPass.finishedAt}${d.lastPass.error ? `: ${d.lastPass.error}` : ''}`]);
  }
  const alerts: HTMLElement[] = [];
  const refused = d?.rejected ?? (r.error !== null ? { revision: r.attempted, result: 'refused', error: r.error, since: '' } : null);
  if (refused) {
    alerts.push(el('div', { class: 'alert', role: 'alert', id: 'rejection' },
      el('strong', {}, `Revision ${refused.revision ?? '(unknown)'} ${refused.result}: `), refused.error, ' The applied revision above is still in force.'));
  }
  if (r.heldBack.length > 0) {
    alerts.push(el('div', { class: 'alert alert-warn' }, el('strong', {}, `Applied partially: ${r.heldBack.length} action(s) held back (needs --prune)`),
      el('ul', {}, ...r.heldBack.map((a) => el('li', {}, a)))));
  }
  return section('configuration', 'Configuration', el('dl', { class: 'facts' }, ...rows.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)])), ...alerts);
}
