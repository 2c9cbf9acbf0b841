// `pgbackops check-status`: the Nagios/Icinga plugin verdict over a set of definitions. Pure: the specs,
// their run summaries and the clock come in; the health of each definition is definition-health.ts's.
//
// Per scheduled definition (disabled ones and those of stopped nodes expect nothing and are OK):
//   CRITICAL  the time since its last success is past the critical threshold (--critical, else its rpo), or
//             it never succeeded while a run has been due for longer than that threshold
//   WARNING   past the warning threshold (--warning), or its health is Failing, Late, or Never run while a
//             run was due
//   OK        otherwise.
// A node's WAL archive in scope is CRITICAL while it is Failing (wal-archive-health.ts).
// A pgBackRest stanza in scope is CRITICAL while its last check failed (stanza-check.ts), WARNING while it was
// never checked (the same gauge /metrics raises for both), OK once it passed.
// The check's state is the worst of them; nothing in scope is UNKNOWN (a typo must not read as OK).
import { formatSpan } from '../rpo/format-span.js';
import type { WalArchiveHealth } from '../wal/wal-archive-health.js';
import type { StanzaCheckStatus } from '../methods/pgbackrest/stanza-check.js';
import type { RestorableWindowStatus } from '../wal/restorable-window.js';
import { definitionHealth, type HealthState, type RunSummary } from './definition-health.js';

export type CheckState = 'OK' | 'WARNING' | 'CRITICAL' | 'UNKNOWN';
export const CHECK_EXIT_CODES: Readonly<Record<CheckState, number>> = { OK: 0, WARNING: 1, CRITICAL: 2, UNKNOWN: 3 };

export interface CheckDefinition {
  name: string;
  node: string;
  server: string;
  /** Five cron fields, H resolved. */
  schedule: string;
  timezone: string;
  scheduled: boolean;
  /** Its effective rpo in ms (own, node's or server's), the default critical threshold; null when none. */
  rpoMs: number | null;
}

export interface CheckThresholds {
  /** Time since the last success (ms) past which a definition is WARNING / CRITICAL; null: not set. */
  warningMs: number | null;
  criticalMs: number | null;
}

export interface DefinitionCheck {
  name: string;
  state: CheckState;
  health: HealthState;
  /** Seconds since the last success; null when it never succeeded. */
  last_success_age_seconds: number | null;
  warning_seconds: number | null;
  critical_seconds: number | null;
  reason: string;
}

export interface CheckResult {
  state: CheckState;
  /** The plugin's one line: `PGBACKOPS OK - ... | perfdata`. */
  line: string;
  counts: Record<CheckState, number>;
  definitions: DefinitionCheck[];
  /** The WAL archives in scope, when there are any. */
  wal_archives?: WalArchiveCheck[];
  /** The pgBackRest stanzas in scope, when there are any. */
  pgbackrest_stanzas?: StanzaCheck[];
  /** The restorable windows of the archived nodes in scope, as recorded in the catalog (they do not change the state). */
  restorable_windows?: RestorableWindowStatus[];
}

/** Above this many definitions in scope, perfdata holds only the totals (a line per definition would be huge). */
export const PER_DEFINITION_PERFDATA_MAX = 20;

export function checkStatus(
  definitions: readonly CheckDefinition[], runs: ReadonlyMap<string, RunSummary>, thresholds: CheckThresholds, now: number, scope: string,
  walArchives: readonly WalArchiveHealth[] = [], stanzas: readonly StanzaCheckStatus[] = [],
): CheckResult {
  const checks = definitions.map((d) => checkOne(d, runs.get(d.name), thresholds, now));
  // A WAL archive that is Failing (receiver down, slot keeping too much WAL) is CRITICAL: the restorable window
  // stops growing, and a slot without its receiver fills the node's disk.
  const archives = walArchives.filter((a) => a.state !== 'disabled').map((a): WalArchiveCheck => ({
    node: a.node, state: a.failing ? 'CRITICAL' : 'OK', reason: a.failing ? a.reasons.join('; ') : `receiver ${a.state}`,
  }));
  const stanzaChecks = stanzas.map(checkStanza);
  const counts: Record<CheckState, number> = { OK: 0, WARNING: 0, CRITICAL: 0, UNKNOWN: 0 };
  for (const c of [...checks, ...archives, ...stanzaChecks]) counts[c.state]++;
  const total = checks.length + archives.length + stanzaChecks.length;
  const state: CheckState = total === 0 ? 'UNKNOWN' : counts.CRITICAL > 0 ? 'CRITICAL' : counts.WARNING > 0 ? 'WARNING' : 'OK';
  const bad = [
    ...archives.filter((a) => a.state !== 'OK').map((a) => ({ state: a.state, name: `WAL archive of ${a.node}`, reason: `is failing: ${a.reason}` })),
    ...stanzaChecks.filter((c) => c.state !== 'OK').map((c) => ({ state: c.state, name: `pgBackRest stanza ${c.stanza} (node ${c.node})`, reason: c.reason })),
    ...checks.filter((c) => c.state !== 'OK'),
  ].sort((a, b) => rank(b.state) - rank(a.state) || compare(a.name, b.name));
  const parts = [
    `${checks.length} definition(s)`,
    ...(archives.length > 0 ? [`${archives.length} WAL archive(s)`] : []),
    ...(stanzaChecks.length > 0 ? [`${stanzaChecks.length} pgBackRest stanza(s)`] : []),
  ];
  const of = parts.length === 1 ? parts[0]! : `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)!}`;
  const text = total === 0
    ? `no backup definition matches ${scope}`
    : `${counts.CRITICAL} critical, ${counts.WARNING} warning, ${counts.OK} ok of ${of} (${scope})` +
      (bad.length > 0 ? `: ${bad.slice(0, 5).map((c) => `${c.name} ${c.reason}`).join('; ')}${bad.length > 5 ? `; and ${bad.length - 5} more` : ''}` : '');
  const stanzaPerfdata = stanzaChecks.length > 0 ? ` 'stanzas_failing'=${stanzaChecks.filter((c) => c.state === 'CRITICAL').length};;;0` : '';
  const result: CheckResult = { state, line: `PGBACKOPS ${state} - ${text} | ${perfdata(checks, counts, thresholds)}${stanzaPerfdata}`, counts, definitions: checks };
  if (archives.length > 0) result.wal_archives = archives;
  if (stanzaChecks.length > 0) result.pgbackrest_stanzas = stanzaChecks;
  return result;
}

export interface StanzaCheck {
  stanza: string;
  node: string;
  server: string;
  state: CheckState;
  reason: string;
}

function checkStanza(s: StanzaCheckStatus): StanzaCheck {
  const base = { stanza: s.stanza, node: s.node, server: s.server };
  if (s.state === 'failing') {
    return { ...base, state: 'CRITICAL', reason: `check failing since ${s.failing_since ?? s.checked_at}: ${(s.detail ?? 'failed').split('\n')[0]}` };
  }
  if (s.state === 'never_checked') return { ...base, state: 'WARNING', reason: `never checked (pgbackops apply or pgbackops check ${s.node} checks it)` };
  return { ...base, state: 'OK', reason: `check passed at ${s.checked_at}` };
}

export interface WalArchiveCheck {
  node: string;
  state: CheckState;
  reason: string;
}

function checkOne(d: CheckDefinition, runs: RunSummary | undefined, t: CheckThresholds, now: number): DefinitionCheck {
  const health = definitionHealth({ name: d.name, schedule: d.schedule, timezone: d.timezone, scheduled: d.scheduled }, runs, now);
  const criticalMs = t.criticalMs ?? d.rpoMs;
  const lastSuccess = runs?.lastSuccessAt ?? null;
  const age = lastSuccess === null ? null : Math.max(0, now - lastSuccess);
  // One object literal per definition (no spread of a shared base): 10,000 of them per check.
  const check = (state: CheckState, reason: string): DefinitionCheck => ({
    name: d.name, health: health.state, last_success_age_seconds: age === null ? null : Math.floor(age / 1000),
    warning_seconds: seconds(t.warningMs), critical_seconds: seconds(criticalMs), state, reason,
  });
  if (!d.scheduled) return check('OK', 'is not scheduled (disabled, or its node is stopped)');
  if (age !== null && criticalMs !== null && age > criticalMs) return check('CRITICAL', `last succeeded ${formatSpan(age)} ago (critical after ${formatSpan(criticalMs)})`);
  if (age === null && criticalMs !== null && dueSince(health.lastExpectedRun, now) > criticalMs) {
    return check('CRITICAL', `has never succeeded; a run was due ${formatSpan(dueSince(health.lastExpectedRun, now))} ago (critical after ${formatSpan(criticalMs)})`);
  }
  if (age !== null && t.warningMs !== null && age > t.warningMs) return check('WARNING', `last succeeded ${formatSpan(age)} ago (warning after ${formatSpan(t.warningMs)})`);
  if (health.state === 'Failing' || health.state === 'Late' || (health.state === 'Never run' && health.lastExpectedRun !== null)) {
    return check('WARNING', `is ${health.state.toLowerCase()}: ${health.reason}`);
  }
  return check('OK', health.reason);
}

function dueSince(lastExpectedRun: string | null, now: number): number {
  return lastExpectedRun === null ? 0 : now - Date.parse(lastExpectedRun);
}

/** 'label'=value[UOM];warn;crit;min;max — totals, the oldest success, and per definition when few. */
function perfdata(checks: readonly DefinitionCheck[], counts: Record<CheckState, number>, t: CheckThresholds): string {
  const ages = checks.map((c) => c.last_success_age_seconds).filter((a): a is number => a !== null);
  const parts = [
    `'definitions'=${checks.length};;;0`,
    `'ok'=${counts.OK};;;0`,
    `'warning'=${counts.WARNING};;;0`,
    `'critical'=${counts.CRITICAL};;;0`,
    `'never_succeeded'=${checks.length - ages.length};;;0`,
  ];
  if (ages.length > 0) parts.push(`'oldest_success_age'=${Math.max(...ages)}s;${seconds(t.warningMs) ?? ''};${seconds(t.criticalMs) ?? ''};0`);
  if (checks.length <= PER_DEFINITION_PERFDATA_MAX) {
    for (const c of checks) {
      if (c.last_success_age_seconds !== null) parts.push(`'${c.name}_age'=${c.last_success_age_seconds}s;${c.warning_seconds ?? ''};${c.critical_seconds ?? ''};0`);
    }
  }
  return parts.join(' ');
}

function seconds(ms: number | null): number | null {
  return ms === null ? null : Math.floor(ms / 1000);
}

function rank(s: CheckState): number {
  return CHECK_EXIT_CODES[s];
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
