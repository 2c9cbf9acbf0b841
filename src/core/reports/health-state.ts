// The words of a definition's health (definition-health.ts decides which). A file of its own so that the
// status page's browser code (web/status-page/) can name them without type-checking the cron code behind
// the decision, which uses Node's crypto.
export type HealthState = 'Healthy' | 'Late' | 'Failing' | 'Never run' | 'Unscheduled';

/** A health state as the value of a Prometheus label (lower case, no space): pgbackops_backup_state{state}. */
export const HEALTH_METRIC_LABELS: Readonly<Record<HealthState, string>> = {
  Healthy: 'healthy',
  Late: 'late',
  Failing: 'failing',
  'Never run': 'never_run',
  Unscheduled: 'unscheduled',
};
