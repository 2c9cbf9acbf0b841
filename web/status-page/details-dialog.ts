// A definition's details in a modal dialog: its settings, its state and why, a large timeline, and its runs.
// From the daemon the runs are asked for (GET api/page/definition?name=…, with ids, versions and failure
// details: what `pgbackops show ID` prints); in a written file they come from the timeline. Esc closes the
// dialog (the browser's own <dialog> behaviour) and focus returns to the row that opened it.
import type { PageDefinition, PageRunDetail, StatusPageData } from '../../src/core/reports/status-page-model.js';
import { decodeTimeline } from '../../src/core/reports/run-timeline.js';
import { el, simpleTable } from './dom.js';
import { formatBytes, formatDuration, formatTime, timeWithRelative, windowText } from './format.js';
import { stateChip } from './states.js';
import { DETAIL_TIMELINE, timelineSvg } from './timeline-svg.js';

export class DetailsDialog {
  private readonly dialog: HTMLDialogElement;
  private returnTo: HTMLElement | null = null;
  private current: string | null = null;

  constructor(private readonly served: boolean, private readonly onClosed: (name: string) => void) {
    this.dialog = el('dialog', { id: 'details', 'aria-labelledby': 'details-title', class: 'details' });
    this.dialog.addEventListener('close', () => {
      const name = this.current;
      this.current = null;
      if (name !== null) this.onClosed(name);
      else this.returnTo?.focus();
    });
    document.body.appendChild(this.dialog);
  }

  show(d: PageDefinition, data: StatusPageData, from: HTMLElement | null): void {
    this.returnTo = from;
    this.current = d.name;
    const now = data.generatedAt;
    const node = data.nodes.find((n) => n.name === d.node);
    const close = el('button', { type: 'button', class: 'close', 'aria-label': 'Close details' }, '×');
    close.addEventListener('click', () => this.dialog.close());
    const timeline = timelineSvg(d.timeline, data.window, DETAIL_TIMELINE);
    const graph = el('figure', { class: 'big-timeline' },
      el('div', { role: 'img', 'aria-label': `Runs of the last ${data.window.days} days: ${timeline.label}` }),
      el('figcaption', {}, `Last ${data.window.days} days: ${timeline.label}. Bars: runs at their start, wider when longer, coloured by status; line: size of successful backups.`));
    graph.firstElementChild!.innerHTML = timeline.svg; // numbers and class names only
    const facts: Array<[string, Node | string]> = [
      ['State', el('span', {}, stateChip(d.state), ` ${d.reason}`)],
      ['Last failure', d.lastFailure === null ? timeWithRelative(d.lastFailureAt, now) : `${timeWithRelative(d.lastFailureAt, now)}: ${d.lastFailure}`],
      ['Last success', timeWithRelative(d.lastSuccessAt, now)],
      ['Last expected run', timeWithRelative(d.lastExpectedAt, now, 'none within a year')],
      ['Next run', timeWithRelative(d.nextRunAt, now, 'not scheduled')],
      ['RPO', d.rpo === null ? 'no objective set' : `${d.rpo.breached ? 'breached' : 'met'}: ${d.rpo.detail}`],
      ['Server / node', `${d.server} / ${d.node} (${node?.status ?? 'unknown'})`],
      ['Databases', d.databases],
      ['Type and format', `${d.type}, ${d.format}`],
      ['Schedule', `${d.schedule} (${d.timezone})${d.enabled ? '' : ', disabled'}`],
      ['Retention', d.retention],
      ['Last backup', `${formatBytes(d.lastBytes)} in ${formatDuration(d.lastDurationSeconds === null ? null : d.lastDurationSeconds * 1000)}`],
      ['Restorable window', node?.restorableWindow ? windowText(node.restorableWindow) : 'no WAL archive for this node'],
    ];
    const stanza = d.type === 'pgbackrest' ? node?.stanza : null;
    if (stanza) {
      facts.push(['pgBackRest stanza', `${stanza.name}: ${stanza.state === 'failing' ? `check FAILING since ${formatTime(stanza.failingSince ?? stanza.checkedAt)}: ${stanza.detail ?? 'failed'}`
        : stanza.state === 'passing' ? `check passed at ${formatTime(stanza.checkedAt)}` : 'never checked'}`]);
    }
    const runs = el('div', { class: 'runs' }, this.timelineRuns(d, data));
    this.dialog.replaceChildren(
      el('header', { class: 'details-header' }, el('h2', { id: 'details-title' }, d.name), close),
      el('dl', { class: 'facts' }, ...facts.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)])),
      graph,
      el('h3', {}, 'Runs'),
      runs,
    );
    if (!this.dialog.open) this.dialog.showModal();
    close.focus();
    if (this.served) void this.loadRuns(d.name, runs);
  }

  private timelineRuns(d: PageDefinition, data: StatusPageData): HTMLElement {
    const runs = decodeTimeline(d.timeline, data.window.from).reverse();
    return simpleTable(`Runs of ${d.name} in the last ${data.window.days} days`, ['Started (UTC)', 'Status', 'Took', 'Size'],
      runs.map((r) => [formatTime(r.startedAt), statusWord(r.status), formatDuration(r.durationSeconds === null ? null : r.durationSeconds * 1000), formatBytes(r.bytes)]),
      `No run in the last ${data.window.days} days.`);
  }

  private async loadRuns(name: string, into: HTMLElement): Promise<void> {
    into.setAttribute('aria-busy', 'true');
    try {
      const res = await fetch(`api/page/definition?name=${encodeURIComponent(name)}`, { credentials: 'same-origin', cache: 'no-store' });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const { runs } = (await res.json()) as { runs: PageRunDetail[] };
      if (this.current !== name) return;
      into.replaceChildren(simpleTable(`Newest runs of ${name}`, ['Started (UTC)', 'Database', 'Status', 'Took', 'Size', 'Details', 'Backup id'],
        runs.map((r) => [
          formatTime(r.startedAt), r.database ?? '(cluster)', statusWord(r.status, r.failureReason),
          formatDuration(r.finishedAt === null ? null : r.finishedAt - r.startedAt), formatBytes(r.bytes),
          [r.failureDetail, r.pgDumpVersion ? `pg_dump ${r.pgDumpVersion}` : null, r.serverVersion ? `server ${r.serverVersion}` : null, r.files ? `${r.files} files` : null, r.directory]
            .filter(Boolean).join('; '),
          el('code', { title: 'pgbackops show prints everything about it' }, `pgbackops show ${r.id.slice(0, 8)}`),
        ]), 'No run recorded.'));
    } catch (err) {
      into.appendChild(el('p', { class: 'alert' }, `Could not load the runs: ${(err as Error).message}`));
    } finally {
      into.removeAttribute('aria-busy');
    }
  }
}

function statusWord(status: string, reason: string | null = null): HTMLElement {
  return el('span', { class: `word word-${status}` }, status, reason ? ` (${reason})` : '');
}
