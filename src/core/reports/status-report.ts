// `pgbackops status`: per definition, its health (definition-health.ts), last success, last failure with
// its reason, next run and bytes kept; per node, the databases no enabled definition backs up (PgBackMan's
// show_databases_without_backup_definitions), or why the node could not be asked. Pure: all facts and the
// clock come in.
import { walArchiveHealth, walArchiveStatus, type WalArchiveStatus, type WalReceiverReport } from '../wal/wal-archive-health.js';
import { restorableWindowStatus, type RestorableWindowStatus, type WindowVerdict } from '../wal/restorable-window.js';
import { stanzaCheckStatuses, type StanzaCheckRecord, type StanzaCheckStatus } from '../methods/pgbackrest/stanza-check.js';
import type { BackupSpec, NodeSpec } from '../model.js';
import { databasesWithoutBackup } from '../rpo/uncovered-databases.js';
import { definitionHealth, healthStateId, nextExpectedRun, summariseRuns, type HealthState, type HealthStateId } from './definition-health.js';
import { compareStatusKeys, STATUS_ORDER } from './status-order.js';
import { cellName, formatBytes, formatTime, renderTable } from './format.js';

export interface StatusRun {
  database: string | null;
  status: string;
  startedAt: number;
  finishedAt: number | null;
  failureReason: string | null;
  failureDetail: string | null;
}

export interface StatusInput {
  /** The definitions to list: every one, or one page of them (status-listing.ts). */
  definitions: Array<{ name: string; spec: BackupSpec }>;
  /** Definitions per state over the whole fleet when `definitions` is a page (else counted from them). */
  counts?: Partial<Record<HealthStateId, number>>;
  /** The next page's cursor (page-cursor.ts's formatStatusCursor) when `definitions` is a page and more follow. */
  nextAfter?: string | null;
  /**
   * The definitions the nodes' databases are compared with (databases without a definition): every one, when
   * `definitions` is a page. Absent: `definitions`.
   */
  coverage?: Array<{ name: string; spec: BackupSpec }>;
  nodes: Array<{ name: string; spec: NodeSpec }>;
  /**
   * Runs by definition name, any order: every run, or only those that decide (the latest, the latest finished
   * success, the latest finished failure: report-queries.ts reads just these). The database of a run is shown
   * only for the latest failure.
   */
  runs: Record<string, StatusRun[]>;
  bytesKept: Record<string, number>;
  /** Databases of each running node that was asked, or why it could not be. */
  nodeDatabases: Record<string, { databases: string[] } | { error: string }>;
  /** Snapshot and Restore objects with their status. */
  oneOffs: OneOffInput[];
  /** What the WAL receivers of archived nodes last reported (absent: none read). */
  walReceivers?: WalReceiverReport[];
  /** The restorable window of each node whose WAL archive was read (src/engine/restorable-windows.ts). */
  restorableWindows?: ReadonlyMap<string, WindowVerdict>;
  /** The last check of each pgBackRest stanza (absent: none read). */
  stanzaChecks?: StanzaCheckRecord[];
  now: number;
}

export interface OneOffInput {
  kind: 'Snapshot' | 'Restore';
  name: string;
  state: string;
  /** When it is (or was) due: its `at`, or when it was first applied. */
  dueAt: number;
  finishedAt: number | null;
  message: string | null;
}

export interface OneOffStatus {
  kind: 'Snapshot' | 'Restore';
  name: string;
  state: string;
  due_at: string;
  finished_at: string | null;
  message: string | null;
}

export interface DefinitionStatus {
  name: string;
  node: string;
  state: HealthState;
  reason: string;
  schedule: string;
  timezone: string;
  last_success_at: string | null;
  last_failure: { at: string; database: string | null; reason: string | null; detail: string | null } | null;
  last_expected_run: string | null;
  next_run: string | null;
  bytes_kept: number;
}

export interface NodeStatus {
  name: string;
  status: 'running' | 'stopped';
  reachable: boolean | null;
  error: string | null;
  databases_without_definition: string[];
}

export interface StatusReport {
  now: string;
  /** Definitions per health state (ids: never_run), over the whole fleet even when `definitions` is a page. */
  summary: Partial<Record<HealthStateId, number>>;
  /** Listed problems first (status-order.ts), by name within a state. */
  definitions: DefinitionStatus[];
  /** The cursor of the next page (`status --after`), null when this page is the last. */
  next_after: string | null;
  nodes: NodeStatus[];
  one_offs: OneOffStatus[];
  /** The WAL archive of every node that has one (docs/operations.md, "The WAL archive"). */
  wal_archives: WalArchiveStatus[];
  /** Per node with a WAL archive on this machine: from when to when a point-in-time restore can go (docs/restore.md). */
  restorable_windows: RestorableWindowStatus[];
  /** Every pgBackRest stanza the nodes declare, with its last check (docs/pgbackrest.md, "A failing stanza"). */
  pgbackrest_stanzas: StanzaCheckStatus[];
}

export function statusReport(input: StatusInput): StatusReport {
  const nodeSpecs = new Map(input.nodes.map((n) => [n.name, n.spec]));
  const definitions = input.definitions.map((d): DefinitionStatus => {
    const runs = input.runs[d.name] ?? [];
    const scheduled = d.spec.enabled && nodeSpecs.get(d.spec.node)?.status === 'running';
    const summary = summariseRuns(runs);
    const health = definitionHealth({ name: d.name, schedule: d.spec.resolvedSchedule, timezone: d.spec.timezone, scheduled }, summary, input.now);
    const failure = latestFailure(runs);
    const next = scheduled ? nextExpectedRun(d.spec.resolvedSchedule, d.spec.timezone, input.now) : null;
    return {
      name: d.name,
      node: d.spec.node,
      state: health.state,
      reason: health.reason,
      schedule: d.spec.resolvedSchedule,
      timezone: d.spec.timezone,
      last_success_at: summary.lastSuccessAt === null ? null : new Date(summary.lastSuccessAt).toISOString(),
      last_failure: failure && {
        at: new Date(failure.finishedAt ?? failure.startedAt).toISOString(), database: failure.database,
        reason: failure.failureReason, detail: failure.failureDetail,
      },
      last_expected_run: health.lastExpectedRun,
      next_run: next === null ? null : new Date(next).toISOString(),
      bytes_kept: input.bytesKept[d.name] ?? 0,
    };
  }).sort((a, b) => compareStatusKeys({ state: healthStateId(a.state), name: a.name }, { state: healthStateId(b.state), name: b.name }));
  const counted = input.counts ?? countStates(definitions);
  // In listing order, whatever order the catalog counted them in.
  const summary = Object.fromEntries(STATUS_ORDER.filter((s) => counted[s] !== undefined).map((s) => [s, counted[s]!]));
  // Grouped once: asking every node for its definitions in the whole list grew as nodes x definitions.
  const enabledByNode = new Map<string, Array<{ name: string; spec: BackupSpec }>>();
  for (const d of input.coverage ?? input.definitions) {
    if (!d.spec.enabled) continue;
    let list = enabledByNode.get(d.spec.node);
    if (!list) enabledByNode.set(d.spec.node, (list = []));
    list.push(d);
  }
  const nodes = [...input.nodes].sort((a, b) => compare(a.name, b.name)).map((n): NodeStatus => {
    const asked = input.nodeDatabases[n.name];
    if (n.spec.status !== 'running' || asked === undefined) {
      return { name: n.name, status: n.spec.status, reachable: null, error: null, databases_without_definition: [] };
    }
    if ('error' in asked) return { name: n.name, status: n.spec.status, reachable: false, error: asked.error, databases_without_definition: [] };
    const backups = enabledByNode.get(n.name) ?? [];
    return {
      name: n.name, status: n.spec.status, reachable: true, error: null,
      databases_without_definition: databasesWithoutBackup(asked.databases, backups),
    };
  });
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  const oneOffs = [...input.oneOffs]
    .sort((a, b) => compare(a.kind, b.kind) || compare(a.name, b.name))
    .map((j): OneOffStatus => ({ kind: j.kind, name: j.name, state: j.state, due_at: iso(j.dueAt)!, finished_at: iso(j.finishedAt), message: j.message }));
  const reports = new Map((input.walReceivers ?? []).map((r) => [r.node, r]));
  const walArchives = [...input.nodes].sort((a, b) => compare(a.name, b.name)).flatMap((n) =>
    n.spec.walArchive ? [walArchiveStatus(walArchiveHealth(n.name, n.spec.walArchive, reports.get(n.name) ?? null, input.now))] : []);
  const windows = [...(input.restorableWindows ?? new Map<string, WindowVerdict>())].sort(([a], [b]) => compare(a, b)).map(([node, v]) => restorableWindowStatus(node, v, input.now));
  return {
    now: new Date(input.now).toISOString(), summary, definitions, next_after: input.nextAfter ?? null, nodes, one_offs: oneOffs, wal_archives: walArchives, restorable_windows: windows,
    pgbackrest_stanzas: stanzaCheckStatuses(input.nodes, input.stanzaChecks ?? []),
  };
}

function countStates(definitions: readonly DefinitionStatus[]): Partial<Record<HealthStateId, number>> {
  const counts: Partial<Record<HealthStateId, number>> = {};
  for (const d of definitions) {
    const id = healthStateId(d.state);
    counts[id] = (counts[id] ?? 0) + 1;
  }
  return counts;
}

/** "3 failing, 1 late, 120 healthy": the fleet's counts in listing order. */
export function statusCountsText(counts: Partial<Record<HealthStateId, number>>): string {
  return STATUS_ORDER.filter((s) => (counts[s] ?? 0) > 0).map((s) => `${(counts[s] ?? 0).toLocaleString('en')} ${s.replace('_', ' ')}`).join(', ');
}

function latestFailure(runs: readonly StatusRun[]): StatusRun | null {
  let latest: StatusRun | null = null;
  for (const r of runs) {
    if (r.status !== 'failed' && r.status !== 'abandoned') continue;
    const at = r.finishedAt ?? r.startedAt;
    if (!latest || at > (latest.finishedAt ?? latest.startedAt)) latest = r;
  }
  return latest;
}

export function renderStatusText(s: StatusReport): string {
  const total = Object.values(s.summary).reduce((sum, n) => sum + (n ?? 0), 0);
  const lines = [total === 0 ? 'Definitions:' : `Definitions: ${total.toLocaleString('en')} (${statusCountsText(s.summary)})`];
  if (s.definitions.length === 0) lines.push(total === 0 ? '  none' : '  none on this page');
  else {
    const rows = s.definitions.map((d) => [
      d.name, d.node, d.state, formatTime(time(d.last_success_at)), formatTime(time(d.last_failure?.at ?? null)), formatTime(time(d.next_run)), formatBytes(d.bytes_kept),
    ]);
    lines.push(...renderTable(['NAME', 'NODE', 'STATE', 'LAST SUCCESS', 'LAST FAILURE', 'NEXT RUN', 'KEPT'], rows).map((l) => `  ${l}`));
    const notes = s.definitions.filter((d) => d.state !== 'Healthy');
    if (notes.length > 0) lines.push('');
    for (const d of notes) {
      const failure = d.state === 'Failing' && d.last_failure
        ? ` (${d.last_failure.database === null ? '' : `${cellName(d.last_failure.database)}: `}${d.last_failure.reason ?? 'failed'}${d.last_failure.detail ? `: ${d.last_failure.detail.split('\n')[0]}` : ''})`
        : '';
      lines.push(`  ${d.name}: ${d.state}: ${d.reason}${failure}`);
    }
  }
  if (s.next_after !== null) {
    lines.push('', `  ${s.definitions.length.toLocaleString('en')} listed; more: pgbackops status --after ${s.next_after} (with the same --state and --limit)`);
  }
  lines.push('', 'Nodes:');
  if (s.nodes.length === 0) lines.push('  none');
  for (const n of s.nodes) {
    if (n.status !== 'running') lines.push(`  ${n.name}: stopped (not checked)`);
    else if (n.reachable === false) lines.push(`  ${n.name}: unreachable: ${n.error}`);
    else if (n.reachable === null) lines.push(`  ${n.name}: not checked`);
    else if (n.databases_without_definition.length === 0) lines.push(`  ${n.name}: every database has a backup definition`);
    else lines.push(`  ${n.name}: databases without a backup definition: ${n.databases_without_definition.map((d) => cellName(d)).join(', ')}`);
  }
  if (s.one_offs.length > 0) {
    lines.push('', 'One-off jobs:');
    const rows = s.one_offs.map((j) => [j.kind, j.name, j.state, formatTime(time(j.due_at)), formatTime(time(j.finished_at)), j.message ?? '']);
    lines.push(...renderTable(['KIND', 'NAME', 'STATE', 'DUE', 'FINISHED', 'RESULT'], rows).map((l) => `  ${l}`.trimEnd()));
  }
  if (s.wal_archives.length > 0) {
    lines.push('', 'WAL archives:');
    const rows = s.wal_archives.map((a) => [
      a.node, a.slot, a.state, a.health, formatTime(time(a.received_at)), a.lag_bytes === null ? '-' : formatBytes(a.lag_bytes),
      a.lag_seconds === null ? '-' : `${a.lag_seconds.toFixed(1)} s`, a.slot_retained_bytes === null ? '-' : formatBytes(a.slot_retained_bytes),
    ]);
    lines.push(...renderTable(['NODE', 'SLOT', 'RECEIVER', 'HEALTH', 'LAST RECEIVED', 'LAG', 'LAG TIME', 'SLOT RETAINS'], rows).map((l) => `  ${l}`.trimEnd()));
    for (const a of s.wal_archives) if (a.health === 'Failing') lines.push(`  ${a.node}: Failing: ${a.reasons.join('; ')}`);
  }
  if (s.restorable_windows.length > 0) {
    lines.push('', 'Restorable windows (point-in-time restore):');
    for (const w of s.restorable_windows) {
      // Computed on the machine holding the archive and read from the catalog: said, with its age.
      const computed = w.computed_at === null ? '' : ` [computed on ${w.computed_on} by ${w.computed_by} ${formatAge(w.age_seconds ?? 0)} ago, at ${w.computed_at}]`;
      if (w.problem !== null) {
        lines.push(`  ${w.node}: none: ${w.problem}${computed}`);
        continue;
      }
      const end = w.to_source === 'file-time' ? ' (upper bound: the archive could not be read)' : w.to_source === 'backup-end' ? ' (nothing committed since the backup)' : ' (last commit)';
      lines.push(`  ${w.node}: ${w.from} to ${w.to}${end}; LSN ${w.from_lsn} to ${w.to_lsn} on timeline ${w.timeline}, from backup ${w.from_backup}${computed}`);
      if (w.outside_backups.length > 0) lines.push(`  ${w.node}: ${w.outside_backups.length} kept backup(s) outside it restore only to their own end: ${w.outside_backups.join(', ')}`);
    }
  }
  if (s.pgbackrest_stanzas.length > 0) {
    lines.push('', 'pgBackRest stanzas:');
    const rows = s.pgbackrest_stanzas.map((c) => [c.stanza, c.node, c.server, c.state, formatTime(time(c.checked_at)), c.checked_by ?? '-']);
    lines.push(...renderTable(['STANZA', 'NODE', 'SERVER', 'CHECK', 'CHECKED', 'BY'], rows).map((l) => `  ${l}`.trimEnd()));
    for (const c of s.pgbackrest_stanzas) {
      if (c.state === 'failing') lines.push(`  ${c.stanza}: check FAILING since ${formatTime(time(c.failing_since))}: ${(c.detail ?? 'failed').split('\n')[0]}`);
      else if (c.state === 'never_checked') lines.push(`  ${c.stanza}: never checked: pgbackops apply (on ${c.server}) or pgbackops check ${c.node} checks it`);
    }
  }
  lines.push('', `As of ${formatTime(Date.parse(s.now))}; times in UTC.`);
  return `${lines.join('\n')}\n`;
}

function time(iso: string | null): number | null {
  return iso === null ? null : Date.parse(iso);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** "45 s", "12 min", "3 h", "2 d": how old a recorded window is. */
function formatAge(seconds: number): string {
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172_800) return `${Math.round(seconds / 3600)} h`;
  return `${Math.round(seconds / 86_400)} d`;
}
