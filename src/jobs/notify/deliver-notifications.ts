// Sends what the outbox holds for a backup server, one row at a time, until nothing is due (or the limit).
// Used by `maintain` (cron-only servers) and by the daemon (at once, on NOTIFY).
import { envSetting } from '../../adapters/os/environment.js';
import type { Catalog } from '../../adapters/catalog/catalog.js';
import type { Sender } from '../../adapters/catalog/outbox-store.js';
import type { Logger } from '../../adapters/logger.js';
import { sendNotification } from '../../adapters/notify/send.js';
import { DEFAULT_BACKOFF, type BackoffPolicy } from '../../core/notify/backoff.js';

export interface DeliveryOutcome {
  delivered: number;
  failed: number;
  givenUp: number;
}

export interface DeliveryOptions {
  backoff?: BackoffPolicy;
  /** At most this many attempts in one call (a stuck receiver must not hold a maintain for ever). */
  limit?: number;
  send?: Sender;
}

export async function deliverNotifications(catalog: Pick<Catalog, 'outbox'>, server: string | null, logger: Logger, options: DeliveryOptions = {}): Promise<DeliveryOutcome> {
  const outcome: DeliveryOutcome = { delivered: 0, failed: 0, givenUp: 0 };
  const limit = options.limit ?? 1000;
  for (let i = 0; i < limit; i++) {
    const result = await catalog.outbox.deliverNext(server, options.send ?? sendNotification, options.backoff ?? DEFAULT_BACKOFF);
    if (result.outcome === 'none') break;
    const fields = { notifier: result.row.notifier, key: result.row.key, attempt: result.row.attempts + 1 };
    if (result.outcome === 'delivered') {
      outcome.delivered++;
      logger.info(fields, 'notification delivered');
    } else if (result.outcome === 'failed') {
      outcome.failed++;
      logger.warn({ ...fields, err: result.error }, 'notification delivery failed; will retry');
    } else {
      outcome.givenUp++;
      logger.error({ ...fields, err: result.error }, 'notification delivery given up');
    }
  }
  return outcome;
}

/** The backoff policy, with its base from PGBACKOPS_NOTIFY_RETRY_BASE (seconds) when set. */
export function backoffFromEnvironment(env: NodeJS.ProcessEnv = process.env): BackoffPolicy {
  const text = envSetting('notifyRetryBase', env);
  const base = Number(text);
  return text && Number.isFinite(base) && base > 0 ? { ...DEFAULT_BACKOFF, baseMs: base * 1000 } : DEFAULT_BACKOFF;
}
