// pino logger: JSON lines on stderr, pretty when stderr is a TTY. Connection strings and secrets redacted.
import { pino, destination, type Logger } from 'pino';
import { createRequire } from 'node:module';

export type { Logger };

export interface LoggerOptions {
  level?: string;
  /** Force pretty (true) or JSON (false); default: pretty when stderr is a TTY. */
  pretty?: boolean;
}

const REDACT = ['password', '*.password', 'connectionString', '*.connectionString', 'config.password', 'env.PGPASSWORD'];

export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? process.env.PGBACKOPS_LOG_LEVEL ?? 'warn';
  const usePretty = options.pretty ?? Boolean(process.stderr.isTTY);
  const base = { level, redact: { paths: REDACT, censor: '[redacted]' }, base: { pid: process.pid } };
  if (usePretty) {
    // Loaded only when used: most runs (cron, CI, pipes) log JSON and need not pay for it.
    const pretty = createRequire(import.meta.url)('pino-pretty') as typeof import('pino-pretty');
    const stream = pretty({ destination: 2, colorize: !process.env.NO_COLOR, sync: true, ignore: 'pid,hostname' });
    return pino(base, stream);
  }
  return pino(base, destination({ dest: 2, sync: true }));
}

/** For internal dry runs whose findings are reported as data, not logged. */
export const silentLogger: Logger = pino({ level: 'silent' });
