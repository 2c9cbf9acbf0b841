// pino logger: JSON lines on stderr, pretty when stderr is a TTY. Connection strings and secrets redacted.
//
// pino itself (28 modules, about 40 ms) is loaded on the first line that is actually written: a cron job
// that succeeds logs nothing at the default level `warn`, and its start-up is part of every backup's time.
import { createRequire } from 'node:module';
import type { Logger } from 'pino';
import { envSetting } from './os/environment.js';

export type { Logger };

export interface LoggerOptions {
  level?: string;
  /** Force pretty (true) or JSON (false); default: pretty when stderr is a TTY. */
  pretty?: boolean;
}

const REDACT = ['password', '*.password', 'connectionString', '*.connectionString', 'config.password', 'env.PGPASSWORD'];

const LEVELS: Readonly<Record<string, number>> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Infinity };

const requireHere = createRequire(import.meta.url);

export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? envSetting('logLevel') ?? 'warn';
  const usePretty = options.pretty ?? Boolean(process.stderr.isTTY);
  return lazyLogger(level, () => {
    const { pino, destination } = requireHere('pino') as typeof import('pino');
    const base = { level, redact: { paths: REDACT, censor: '[redacted]' }, base: { pid: process.pid } };
    if (usePretty) {
      const pretty = requireHere('pino-pretty') as typeof import('pino-pretty');
      return pino(base, pretty({ destination: 2, colorize: !process.env.NO_COLOR, sync: true, ignore: 'pid,hostname' }));
    }
    return pino(base, destination({ dest: 2, sync: true }));
  });
}

/** For internal dry runs whose findings are reported as data, not logged. */
export const silentLogger: Logger = lazyLogger('silent', () => (requireHere('pino') as typeof import('pino')).pino({ level: 'silent' }));

/**
 * A Logger that creates the real one (`make`) when a line at or above `level` is written, or when anything
 * other than a level method or `child` is used. Children stay lazy and are made from the real parent.
 */
function lazyLogger(level: string, make: () => Logger): Logger {
  const threshold = LEVELS[level] ?? LEVELS.info!;
  let real: Logger | undefined;
  const resolve = (): Logger => (real ??= make());
  return lazyView(threshold, resolve);
}

function lazyView(threshold: number, resolve: () => Logger): Logger {
  const noop = () => undefined;
  return new Proxy({} as Logger, {
    get(_target, prop) {
      if (typeof prop === 'string' && prop in LEVELS && prop !== 'silent') {
        if (LEVELS[prop]! < threshold) return noop;
        const logger = resolve();
        return (logger[prop as keyof Logger] as (...args: unknown[]) => unknown).bind(logger);
      }
      if (prop === 'level') return Object.keys(LEVELS).find((name) => LEVELS[name] === threshold) ?? 'info';
      if (prop === 'isLevelEnabled') return (name: string) => (LEVELS[name] ?? Infinity) >= threshold;
      if (prop === 'child') {
        return (bindings: Record<string, unknown>, options?: Record<string, unknown>) => {
          let child: Logger | undefined;
          return lazyView(threshold, () => (child ??= resolve().child(bindings, options)));
        };
      }
      const logger = resolve();
      const value = logger[prop as keyof Logger];
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(logger) : value;
    },
  });
}
