// The daemon's Prometheus metrics (prom-client, a registry of its own so tests can run several daemons'
// worth in one process). Per-definition backup series are refreshed from one grouped query per scrape.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { DefinitionRunStats } from '../adapters/catalog/run-stats.js';

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
  private readonly lastDuration: Gauge<'definition'>;
  private readonly lastBytes: Gauge<'definition'>;

  constructor(server: string) {
    this.registry.setDefaultLabels({ server });
    collectDefaultMetrics({ register: this.registry, prefix: 'pgbackops_daemon_process_' });
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
    this.lastDuration = new Gauge({ name: 'pgbackops_backup_last_duration_seconds', help: 'Duration of the last successful backup of a definition.', labelNames: ['definition'], registers });
    this.lastBytes = new Gauge({ name: 'pgbackops_backup_last_size_bytes', help: 'Size of the last successful backup of a definition.', labelNames: ['definition'], registers });
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

  runStats(stats: ReadonlyMap<string, DefinitionRunStats>): void {
    for (const g of [this.lastSuccess, this.lastFailure, this.lastDuration, this.lastBytes]) g.reset();
    for (const [definition, s] of stats) {
      if (s.lastSuccessAt !== null) this.lastSuccess.set({ definition }, s.lastSuccessAt / 1000);
      if (s.lastFailureAt !== null) this.lastFailure.set({ definition }, s.lastFailureAt / 1000);
      if (s.lastDurationSeconds !== null) this.lastDuration.set({ definition }, s.lastDurationSeconds);
      if (s.lastBytes !== null) this.lastBytes.set({ definition }, s.lastBytes);
    }
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
