// The daemon's Prometheus metrics (prom-client, a registry of its own so tests can run several daemons'
// worth in one process). Per-definition backup series are refreshed on every scrape from the definitions of
// the applied revision and three grouped catalog queries (run-stats.ts, scrape-figures.ts). Names: counters,
// and only counters, end in `_total` (docs/monitoring.md, "Metrics").
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { definitionHealth, nextExpectedRun, type HealthDefinition } from '../core/reports/definition-health.js';
import { HEALTH_METRIC_LABELS } from '../core/reports/health-state.js';
import type { DefinitionRunStats } from '../adapters/catalog/run-stats.js';
import type { WalArchiveHealth } from '../core/wal/wal-archive-health.js';
import type { WindowVerdict } from '../core/wal/restorable-window.js';
import type { StanzaCheckStatus } from '../core/methods/pgbackrest/stanza-check.js';
import type { DatabaseBackupFigures, RestoreOutcome } from './scrape-figures.js';

/** A definition of this server as the metrics name it. */
export type MetricDefinition = HealthDefinition & { node: string };

/** What one scrape shows of the backups. */
export interface BackupFigures {
  now: number;
  definitions: readonly MetricDefinition[];
  stats: ReadonlyMap<string, DefinitionRunStats>;
  databases: readonly DatabaseBackupFigures[];
  restores: readonly RestoreOutcome[];
}

const STATE_LABELS = Object.values(HEALTH_METRIC_LABELS);

/** 'held-back': the revision is applied except for actions held back (deletes that need --prune). */
export type PassResult = 'applied' | 'held-back' | 'unchanged' | 'converged' | 'invalid' | 'refused' | 'unverified' | 'failed';

export class DaemonMetrics {
  readonly registry = new Registry();
  private readonly passes: Counter<'result' | 'kind'>;
  private readonly passDuration: Histogram<'kind'>;
  private readonly revisionInfo: Gauge<'revision'>;
  private readonly appliedAt: Gauge;
  private readonly drift: Counter;
  private readonly blockedDeletes: Gauge;
  private readonly blockedDeletesSeen: Counter;
  private readonly missedRuns: Counter<'definition'>;
  private readonly lastSuccess: Gauge<'definition'>;
  private readonly lastFailure: Gauge<'definition'>;
  private readonly lastDuration: Gauge<'definition' | 'database'>;
  private readonly lastBytes: Gauge<'definition' | 'database'>;
  private readonly state: Gauge<'definition' | 'node' | 'state'>;
  private readonly nextRun: Gauge<'definition'>;
  private readonly restoreResult: Gauge<'definition'>;
  private readonly restoreAt: Gauge<'definition'>;
  private readonly verifyResult: Gauge<'definition'>;
  private readonly verifyAt: Gauge<'definition'>;
  private readonly walUp: Gauge<'node'>;
  private readonly walFailing: Gauge<'node'>;
  private readonly walLagBytes: Gauge<'node'>;
  private readonly walLagSeconds: Gauge<'node'>;
  private readonly walRetained: Gauge<'node'>;
  private readonly walReceivedAt: Gauge<'node'>;
  private readonly walRestarts: Gauge<'node'>;
  private readonly windowStart: Gauge<'node'>;
  private readonly windowEnd: Gauge<'node'>;
  private readonly stanzaFailing: Gauge<'stanza' | 'node'>;
  private readonly stanzaCheckedAt: Gauge<'stanza' | 'node'>;

  constructor(server: string) {
    this.registry.setDefaultLabels({ server });
    // prom-client's own names start with process_ or nodejs_: the prefix makes pgbackops_daemon_process_cpu_...
    collectDefaultMetrics({ register: this.registry, prefix: 'pgbackops_daemon_' });
    // Three of them, nodejs_active_{handles,requests,resources}_total, are gauges (the sums of the labelled
    // gauges of the same name without _total): here only counters end in _total, so they go.
    for (const m of this.registry.getMetricsAsArray()) {
      if (m.name.endsWith('_total') && !(m instanceof Counter)) this.registry.removeSingleMetric(m.name);
    }
    const registers = [this.registry];
    this.passes = new Counter({ name: 'pgbackops_daemon_passes_total', help: 'Reconcile passes by result and kind (full or converge).', labelNames: ['result', 'kind'], registers });
    this.passDuration = new Histogram({
      name: 'pgbackops_daemon_pass_duration_seconds', help: 'Duration of reconcile passes.', labelNames: ['kind'], registers,
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    });
    this.revisionInfo = new Gauge({ name: 'pgbackops_daemon_applied_revision_info', help: 'The configuration revision this daemon last applied or found applied (value 1).', labelNames: ['revision'], registers });
    this.appliedAt = new Gauge({ name: 'pgbackops_daemon_last_apply_timestamp_seconds', help: 'When this daemon last applied a revision (unix time).', registers });
    this.drift = new Counter({ name: 'pgbackops_daemon_drift_corrections_total', help: 'Managed schedule entries (or file problems) found edited, removed or added by hand and restored.', registers });
    this.blockedDeletes = new Gauge({ name: 'pgbackops_daemon_blocked_deletes', help: 'Deletes the last apply left blocked (need --prune or --allow-mass-delete).', registers });
    this.blockedDeletesSeen = new Counter({ name: 'pgbackops_daemon_blocked_deletes_total', help: 'Blocked deletes seen, summed over applies.', registers });
    this.missedRuns = new Counter({ name: 'pgbackops_daemon_missed_runs_total', help: 'Builtin scheduler runs missed while the daemon was down and outside the catch-up window.', labelNames: ['definition'], registers });
    this.lastSuccess = new Gauge({ name: 'pgbackops_backup_last_success_timestamp_seconds', help: 'When the last successful backup of a definition finished.', labelNames: ['definition'], registers });
    this.lastFailure = new Gauge({ name: 'pgbackops_backup_last_failure_timestamp_seconds', help: 'When the last failed backup of a definition finished.', labelNames: ['definition'], registers });
    this.lastDuration = new Gauge({
      name: 'pgbackops_backup_last_duration_seconds', labelNames: ['definition', 'database'], registers,
      help: 'Duration of the last successful backup of each database of a definition (database "" for a cluster-wide backup).',
    });
    this.lastBytes = new Gauge({
      name: 'pgbackops_backup_last_size_bytes', labelNames: ['definition', 'database'], registers,
      help: 'Size of the last successful backup of each database of a definition (database "" for a cluster-wide backup).',
    });
    this.state = new Gauge({
      name: 'pgbackops_backup_state', labelNames: ['definition', 'node', 'state'], registers,
      help: `1 for the state a definition is in, 0 for the others (${STATE_LABELS.join(', ')}); every definition of the applied revision, runs or not.`,
    });
    this.nextRun = new Gauge({ name: 'pgbackops_backup_next_run_timestamp_seconds', help: 'When the schedule of a definition fires next (unix time).', labelNames: ['definition'], registers });
    this.restoreResult = new Gauge({ name: 'pgbackops_restore_last_success', help: '1 if the last finished restore of a backup of a definition succeeded, 0 if it failed.', labelNames: ['definition'], registers });
    this.restoreAt = new Gauge({ name: 'pgbackops_restore_last_timestamp_seconds', help: 'When the last restore of a backup of a definition finished (unix time).', labelNames: ['definition'], registers });
    this.verifyResult = new Gauge({ name: 'pgbackops_verify_last_success', help: '1 if the last trial restore (verify --restore) of a backup of a definition succeeded, 0 if it failed.', labelNames: ['definition'], registers });
    this.verifyAt = new Gauge({ name: 'pgbackops_verify_last_timestamp_seconds', help: 'When the last trial restore (verify --restore) of a backup of a definition finished (unix time).', labelNames: ['definition'], registers });
    const wal = (name: string, help: string) => new Gauge({ name: `pgbackops_wal_archive_${name}`, help, labelNames: ['node'], registers });
    this.walUp = wal('receiver_up', '1 when the WAL receiver of an archived node is running and reporting, else 0.');
    this.walFailing = wal('failing', '1 when the WAL archive of a node is Failing (receiver not running, or its slot keeps too much WAL), else 0.');
    this.walLagBytes = wal('lag_bytes', "Bytes of WAL the node has written that the archive has not flushed yet.");
    this.walLagSeconds = wal('lag_seconds', 'Seconds since the archive last had all the WAL the node had written (0 when caught up).');
    this.walRetained = wal('slot_retained_bytes', "WAL the archive's replication slot keeps on the node (pg_current_wal_lsn() - restart_lsn).");
    this.walReceivedAt = wal('last_received_timestamp_seconds', 'When a WAL file of the archive was last written (unix time).');
    this.walRestarts = wal('receiver_restarts', 'Restarts of pg_receivewal since its supervisor started.');
    const window = (name: string, help: string) => new Gauge({ name: `pgbackops_restorable_window_${name}`, help, labelNames: ['node'], registers });
    this.windowStart = window('start_seconds', "Start of the node's restorable window (unix time): the end of the oldest kept base backup the WAL archive continues without a gap.");
    this.windowEnd = window('end_seconds', "End of the node's restorable window (unix time): the newest commit in its WAL archive (docs/restore.md, \"The restorable window\").");
    this.stanzaFailing = new Gauge({
      name: 'pgbackops_pgbackrest_stanza_check_failing', labelNames: ['stanza', 'node'], registers,
      help: '1 when the last check of a pgBackRest stanza (apply, the daemon, pgbackops check) failed or it was never checked, 0 when it passed.',
    });
    this.stanzaCheckedAt = new Gauge({
      name: 'pgbackops_pgbackrest_stanza_checked_timestamp_seconds', labelNames: ['stanza', 'node'], registers,
      help: 'When a pgBackRest stanza was last checked (unix time); absent while it never was.',
    });
  }

  pass(kind: 'full' | 'converge', result: PassResult, seconds: number): void {
    this.passes.inc({ result, kind });
    this.passDuration.observe({ kind }, seconds);
  }

  applied(revision: string, atMs: number | null): void {
    this.revisionInfo.reset();
    this.revisionInfo.set({ revision }, 1);
    if (atMs !== null) this.appliedAt.set(atMs / 1000);
  }

  driftCorrected(n: number): void {
    if (n > 0) this.drift.inc(n);
  }

  blocked(n: number): void {
    this.blockedDeletes.set(n);
    if (n > 0) this.blockedDeletesSeen.inc(n);
  }

  missed(definition: string): void {
    this.missedRuns.inc({ definition });
  }

  /** Replaces every per-definition series with what `figures` says (a removed definition's series go). */
  backups(figures: BackupFigures): void {
    const gauges = [this.lastSuccess, this.lastFailure, this.lastDuration, this.lastBytes, this.state, this.nextRun, this.restoreResult, this.restoreAt, this.verifyResult, this.verifyAt];
    for (const g of gauges) g.reset();
    for (const d of figures.definitions) {
      const current = HEALTH_METRIC_LABELS[definitionHealth(d, figures.stats.get(d.name), figures.now).state];
      for (const state of STATE_LABELS) this.state.set({ definition: d.name, node: d.node, state }, state === current ? 1 : 0);
      const next = d.scheduled ? nextExpectedRun(d.schedule, d.timezone, figures.now) : null;
      if (next !== null) this.nextRun.set({ definition: d.name }, next / 1000);
    }
    for (const [definition, s] of figures.stats) {
      if (s.lastSuccessAt !== null) this.lastSuccess.set({ definition }, s.lastSuccessAt / 1000);
      if (s.lastFailureAt !== null) this.lastFailure.set({ definition }, s.lastFailureAt / 1000);
    }
    for (const { definition, database, bytes, durationSeconds } of figures.databases) {
      if (durationSeconds !== null) this.lastDuration.set({ definition, database }, durationSeconds);
      if (bytes !== null) this.lastBytes.set({ definition, database }, bytes);
    }
    for (const r of figures.restores) {
      const [result, at] = r.purpose === 'trial' ? [this.verifyResult, this.verifyAt] : [this.restoreResult, this.restoreAt];
      result.set({ definition: r.definition }, r.succeeded ? 1 : 0);
      at.set({ definition: r.definition }, r.finishedAt / 1000);
    }
  }

  walArchives(healths: readonly WalArchiveHealth[]): void {
    const gauges = [this.walUp, this.walFailing, this.walLagBytes, this.walLagSeconds, this.walRetained, this.walReceivedAt, this.walRestarts];
    for (const g of gauges) g.reset();
    for (const h of healths) {
      if (h.state === 'disabled') continue;
      const node = h.node;
      const r = h.report;
      this.walUp.set({ node }, h.state === 'running' ? 1 : 0);
      this.walFailing.set({ node }, h.failing ? 1 : 0);
      if (!r) continue;
      if (r.lagBytes !== null) this.walLagBytes.set({ node }, r.lagBytes);
      if (r.lagSeconds !== null) this.walLagSeconds.set({ node }, r.lagSeconds);
      if (r.slotRetainedBytes !== null) this.walRetained.set({ node }, r.slotRetainedBytes);
      if (r.receivedAt !== null) this.walReceivedAt.set({ node }, r.receivedAt / 1000);
      this.walRestarts.set({ node }, r.restarts);
    }
  }

  /** Only nodes that have a window read here: a node without one has no series (alert on absent()). */
  restorableWindows(windows: ReadonlyMap<string, WindowVerdict>): void {
    this.windowStart.reset();
    this.windowEnd.reset();
    for (const [node, v] of windows) {
      // A window recorded by another machine is that machine's series: the daemon holding the archive exports it.
      if (!v.window || v.computed) continue;
      this.windowStart.set({ node }, Date.parse(v.window.from) / 1000);
      this.windowEnd.set({ node }, Date.parse(v.window.to) / 1000);
    }
  }

  /** Every stanza of this server's nodes: one series each, never checked included (as failing: nothing proves it works). */
  pgbackrestStanzas(stanzas: readonly StanzaCheckStatus[]): void {
    this.stanzaFailing.reset();
    this.stanzaCheckedAt.reset();
    for (const s of stanzas) {
      const labels = { stanza: s.stanza, node: s.node };
      this.stanzaFailing.set(labels, s.state === 'passing' ? 0 : 1);
      if (s.checked_at !== null) this.stanzaCheckedAt.set(labels, Date.parse(s.checked_at) / 1000);
    }
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
