// Every definition as one table row, worst state first; only the rows in view (plus a margin) exist in the
// DOM, so 10,000 definitions cost what 40 do. Keyboard: the rows are one tab stop (the active row);
// arrows, Page Up/Down, Home and End move, Enter opens the definition's details.
import type { PageDefinition, StatusPageData } from '../../src/core/reports/status-page-model.js';
import type { HealthState } from '../../src/core/reports/health-state.js';
import { el } from './dom.js';
import { formatBytes, relative, formatTime } from './format.js';
import { stateChip } from './states.js';
import { ROW_TIMELINE, timelineSvg } from './timeline-svg.js';

export interface DefinitionFilter {
  state: HealthState | null;
  server: string | null;
  node: string | null;
  text: string;
}

/** Must match `.definitions tbody tr` in page.css. */
const ROW_HEIGHT = 36;
const OVERSCAN = 8;
const COLUMNS = ['State', 'Definition', 'Node', 'Last success', 'Next run', 'Last size', 'Runs, last 30 days', 'RPO'];

export class DefinitionTable {
  readonly element: HTMLElement;
  private readonly scroller: HTMLDivElement;
  private readonly table: HTMLTableElement;
  private readonly body: HTMLTableSectionElement;
  private readonly status: HTMLParagraphElement;
  private data: StatusPageData | null = null;
  private rows: PageDefinition[] = [];
  private filter: DefinitionFilter = { state: null, server: null, node: null, text: '' };
  private active = 0;
  private rendered = { from: -1, to: -1 };
  private frame = 0;

  constructor(private readonly open: (d: PageDefinition, from: HTMLElement) => void) {
    this.status = el('p', { class: 'filter-status', 'aria-live': 'polite', id: 'definitions-count' });
    this.body = el('tbody');
    this.table = el('table', { class: 'definitions', 'aria-describedby': 'definitions-count' },
      el('caption', { class: 'visually-hidden' }, 'Backup definitions, worst state first. Use the arrow keys to move between rows and Enter to open one.'),
      el('thead', {}, el('tr', { 'aria-rowindex': 1 }, ...COLUMNS.map((c) => el('th', { scope: 'col' }, c)))),
      this.body);
    this.scroller = el('div', { class: 'scroller' }, this.table);
    this.scroller.addEventListener('scroll', () => this.schedule());
    window.addEventListener('resize', () => this.schedule());
    this.body.addEventListener('keydown', (e) => this.onKey(e));
    this.body.addEventListener('click', (e) => {
      const tr = (e.target as Element).closest('tr[data-index]');
      if (tr) this.activate(Number(tr.getAttribute('data-index')), true);
    });
    this.element = el('div', { class: 'definition-list' }, this.status, this.scroller);
  }

  setData(data: StatusPageData): void {
    this.data = data;
    this.apply();
  }

  setFilter(filter: DefinitionFilter): void {
    this.filter = filter;
    this.active = 0;
    this.scroller.scrollTop = 0;
    this.apply();
  }

  get currentFilter(): DefinitionFilter {
    return this.filter;
  }

  /** The row of a definition, brought into view and focused (used when a dialog closes). */
  focusDefinition(name: string): void {
    const i = this.rows.findIndex((d) => d.name === name);
    if (i >= 0) this.activate(i, false);
  }

  private apply(): void {
    const all = this.data?.definitions ?? [];
    const text = this.filter.text.trim().toLowerCase();
    this.rows = all.filter((d) =>
      (this.filter.state === null || d.state === this.filter.state) && (this.filter.node === null || d.node === this.filter.node) &&
      (this.filter.server === null || d.server === this.filter.server) &&
      (text === '' || d.name.toLowerCase().includes(text)));
    this.active = Math.min(this.active, Math.max(0, this.rows.length - 1));
    const what = [this.filter.state, this.filter.server === null ? null : `on server ${this.filter.server}`, this.filter.node === null ? null : `on node ${this.filter.node}`, text ? `matching “${text}”` : null].filter(Boolean).join(' ');
    this.status.textContent = this.rows.length === all.length
      ? `${all.length.toLocaleString('en')} definitions`
      : `${this.rows.length.toLocaleString('en')} of ${all.length.toLocaleString('en')} definitions: ${what}`;
    this.table.setAttribute('aria-rowcount', String(this.rows.length + 1));
    this.rendered = { from: -1, to: -1 };
    this.render();
  }

  private schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.render();
    });
  }

  private render(): void {
    const view = this.scroller.clientHeight || 600;
    const from = Math.max(0, Math.floor(this.scroller.scrollTop / ROW_HEIGHT) - OVERSCAN);
    const to = Math.min(this.rows.length, Math.ceil((this.scroller.scrollTop + view) / ROW_HEIGHT) + OVERSCAN);
    if (from === this.rendered.from && to === this.rendered.to) return;
    this.rendered = { from, to };
    const hadFocus = this.body.contains(document.activeElement);
    const fragment = document.createDocumentFragment();
    fragment.appendChild(spacer(from * ROW_HEIGHT));
    for (let i = from; i < to; i++) fragment.appendChild(this.row(this.rows[i]!, i));
    fragment.appendChild(spacer((this.rows.length - to) * ROW_HEIGHT));
    if (this.rows.length === 0) fragment.appendChild(el('tr', {}, el('td', { colspan: COLUMNS.length, class: 'empty' }, 'No definition matches.')));
    this.body.replaceChildren(fragment);
    if (hadFocus) this.focusActive();
  }

  private row(d: PageDefinition, i: number): HTMLTableRowElement {
    const data = this.data!;
    const timeline = timelineSvg(d.timeline, data.window, ROW_TIMELINE);
    const graph = el('td', { class: 'timeline-cell', role: 'img', 'aria-label': timeline.label, title: timeline.label });
    graph.innerHTML = timeline.svg; // numbers and class names only (timeline-svg.ts)
    return el('tr', {
      'data-index': i, 'aria-rowindex': i + 2, tabindex: i === this.active ? 0 : -1, class: i === this.active ? 'active' : undefined,
      'data-state': d.state, 'data-name': d.name,
    },
      el('td', {}, stateChip(d.state)),
      el('td', { class: 'name' }, el('span', { class: 'name-text', title: d.reason }, d.name)),
      el('td', {}, d.node),
      el('td', { title: formatTime(d.lastSuccessAt) }, d.lastSuccessAt === null ? 'never' : relative(d.lastSuccessAt, data.generatedAt)),
      el('td', { title: formatTime(d.nextRunAt) }, d.nextRunAt === null ? '-' : relative(d.nextRunAt, data.generatedAt)),
      el('td', { class: 'number' }, formatBytes(d.lastBytes)),
      graph,
      el('td', {}, d.rpo === null ? el('span', { class: 'muted' }, 'not set') : d.rpo.breached ? el('span', { class: 'chip state-failing' }, 'breached') : 'met'),
    );
  }

  private onKey(e: KeyboardEvent): void {
    const page = Math.max(1, Math.floor(this.scroller.clientHeight / ROW_HEIGHT) - 1);
    const moves: Record<string, number> = { ArrowDown: 1, ArrowUp: -1, PageDown: page, PageUp: -page };
    if (e.key in moves) this.activate(this.active + moves[e.key]!, false);
    else if (e.key === 'Home') this.activate(0, false);
    else if (e.key === 'End') this.activate(this.rows.length - 1, false);
    else if (e.key === 'Enter' || e.key === ' ') this.activate(this.active, true);
    else return;
    e.preventDefault();
  }

  private activate(index: number, open: boolean): void {
    if (this.rows.length === 0) return;
    this.active = Math.max(0, Math.min(this.rows.length - 1, index));
    const top = this.active * ROW_HEIGHT;
    const head = this.table.tHead?.offsetHeight ?? 0;
    if (top < this.scroller.scrollTop) this.scroller.scrollTop = top;
    else if (top + ROW_HEIGHT + head > this.scroller.scrollTop + this.scroller.clientHeight) this.scroller.scrollTop = top + ROW_HEIGHT + head - this.scroller.clientHeight;
    this.rendered = { from: -1, to: -1 };
    this.render();
    this.focusActive();
    if (open) this.open(this.rows[this.active]!, this.body.querySelector('tr.active') as HTMLElement);
  }

  private focusActive(): void {
    (this.body.querySelector(`tr[data-index="${this.active}"]`) as HTMLElement | null)?.focus({ preventScroll: true });
  }
}

function spacer(height: number): HTMLTableRowElement {
  const tr = el('tr', { class: 'spacer', 'aria-hidden': 'true' });
  tr.style.height = `${height}px`; // through the CSSOM: the CSP refuses style attributes in markup
  return tr;
}

/** The filter's controls: a name search and a clear button (state and node come from the grid and summary). */
export function filterControls(table: DefinitionTable, onChange: (f: DefinitionFilter) => void): HTMLElement {
  const input = el('input', { type: 'search', id: 'definition-search', placeholder: 'Name contains…', autocomplete: 'off' });
  input.addEventListener('input', () => onChange({ ...table.currentFilter, text: input.value }));
  const clear = el('button', { type: 'button', class: 'link-button' }, 'Show all');
  clear.addEventListener('click', () => {
    input.value = '';
    onChange({ state: null, server: null, node: null, text: '' });
  });
  return el('div', { class: 'filters', role: 'search' }, el('label', { for: 'definition-search' }, 'Find a definition '), input, ' ', clear);
}
