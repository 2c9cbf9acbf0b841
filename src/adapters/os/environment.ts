// The PGBACKOPS_* environment variables: each one is read here and nowhere else, so what the environment can
// change is one list (docs/cli.md, "Global flags", and docs/operations.md). Values are returned as given
// (undefined when unset); what a missing or empty one means is decided where it is used. Callers that set a
// variable for a child process name it through ENV.
export const ENV = {
  catalogUrl: 'PGBACKOPS_CATALOG_URL',
  stateDir: 'PGBACKOPS_STATE_DIR',
  server: 'PGBACKOPS_SERVER',
  logLevel: 'PGBACKOPS_LOG_LEVEL',
  /** The launcher that schedule lines and the daemon's children run (tests point it at their build). */
  binary: 'PGBACKOPS_BINARY',
  /** Who is recorded as having done what this process does (a root command passes on the operator). */
  actor: 'PGBACKOPS_ACTOR',
  /** The OS user the local catalog's PostgreSQL runs as when pgbackops is root. */
  localCatalogUser: 'PGBACKOPS_LOCAL_CATALOG_USER',
  /** Set: an unexpected error also prints its stack. */
  debug: 'PGBACKOPS_DEBUG',
  /** Crash injection for tests (src/engine/failpoint.ts). */
  failpoint: 'PGBACKOPS_FAILPOINT',
  /** The descriptor of the lifeline to the root parent (src/cli/lifeline.ts). */
  lifelineFd: 'PGBACKOPS_LIFELINE_FD',
  /** Seconds: the base of the notification retry backoff (tests shorten it). */
  notifyRetryBase: 'PGBACKOPS_NOTIFY_RETRY_BASE',
  /** A file: where a process appends the timeline of its phases at exit (benchmarks; src/adapters/os/timeline.ts). */
  timeline: 'PGBACKOPS_TIMELINE',
} as const;

export type EnvSetting = keyof typeof ENV;

/** One PGBACKOPS_* variable of `env` (the process's by default). */
export function envSetting(setting: EnvSetting, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env[ENV[setting]];
}
