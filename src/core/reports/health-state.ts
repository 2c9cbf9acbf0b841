// The words of a definition's health (definition-health.ts decides which). A file of its own so that the
// status page's browser code (web/status-page/) can name them without type-checking the cron code behind
// the decision, which uses Node's crypto.
export type HealthState = 'Healthy' | 'Late' | 'Failing' | 'Never run' | 'Unscheduled';
