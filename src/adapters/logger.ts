// pino logger: JSON lines on stderr, pretty when stderr is a TTY. Connection strings and secrets redacted.
import { pino, destination, type Logger } from 'pino';
import pretty from 'pino-pretty';

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
    const stream = pretty({ destination: 2, colorize: !process.env.NO_COLOR, sync: true, ignore: 'pid,hostname' });
    return pino(base, stream);
  }
  return pino(base, destination({ dest: 2, sync: true }));
}
