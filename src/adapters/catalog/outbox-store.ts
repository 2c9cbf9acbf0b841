// Delivery from the notification outbox. A deliverer claims one due row with FOR UPDATE SKIP LOCKED and
// holds that lock while it sends, so two deliverers (a daemon and a maintain, two maintains) never send one
// row at once; the row is marked delivered, or rescheduled with backoff, in the same transaction. A
// deliverer killed while sending leaves the row as it was: the next one sends it again, with the same
// idempotency key, which is how a receiver recognises the rare repeat.
import type { NotifierSpec } from '../../core/model.js';
import { retryDelayMs, type BackoffPolicy } from '../../core/notify/backoff.js';
import type { NotificationEvent } from '../../core/notify/event.js';
import type { Query } from './migrations.js';
import { inTransaction, queueReminders } from './notification-store.js';

type WithQuery = <T>(fn: (query: Query) => Promise<T>) => Promise<T>;

export interface OutboxRow {
  id: string;
  key: string;
  notifier: string;
  event: NotificationEvent;
  attempts: number;
}

export type Sender = (notifier: NotifierSpec, event: NotificationEvent, key: string) => Promise<void>;

export type DeliveryResult = { outcome: 'none' } | { outcome: 'delivered' | 'failed' | 'given-up'; row: OutboxRow; error?: string };

export class OutboxStore {
  constructor(private readonly withQuery: WithQuery) {}

  /**
   * Sends the next due row for `server` (its own rows and rows of no server; every row when null).
   * 'none' when nothing is due.
   */
  async deliverNext(server: string | null, send: Sender, policy: BackoffPolicy): Promise<DeliveryResult> {
    return this.withQuery((query) => inTransaction(query, async () => {
      const claimed = await query(
        `select o.id::text, o.idempotency_key as key, o.notifier, o.event, o.attempts, n.spec as notifier_spec
           from pgbackops.notification_outbox o left join pgbackops.notifiers n on n.name = o.notifier
          where o.delivered_at is null and o.given_up_at is null and o.next_attempt_at <= now()
            and ($1::text is null or o.backup_server = $1 or o.backup_server is null)
          order by o.next_attempt_at, o.id
          limit 1
          for update of o skip locked`,
        [server],
      );
      const found = claimed.rows[0] as (OutboxRow & { notifier_spec: NotifierSpec | null }) | undefined;
      if (!found) return { outcome: 'none' } as const;
      const { notifier_spec: spec, ...row } = found;
      if (!spec) {
        await query(
          `update pgbackops.notification_outbox set given_up_at = now(), last_error = 'the notifier is no longer defined' where id = $1`,
          [row.id],
        );
        return { outcome: 'given-up', row, error: 'the notifier is no longer defined' } as const;
      }
      try {
        await send(spec, row.event, row.key);
      } catch (err) {
        const attempts = row.attempts + 1;
        const givenUp = attempts >= policy.maxAttempts;
        const error = (err as Error).message;
        await query(
          `update pgbackops.notification_outbox
              set attempts = $2, last_error = $3, next_attempt_at = now() + make_interval(secs => $4::double precision / 1000),
                  given_up_at = case when $5 then now() end
            where id = $1`,
          [row.id, attempts, error, retryDelayMs(policy, attempts), givenUp],
        );
        return { outcome: givenUp ? 'given-up' : 'failed', row, error } as const;
      }
      await query(
        `update pgbackops.notification_outbox set attempts = attempts + 1, delivered_at = now(), last_error = null where id = $1`,
        [row.id],
      );
      return { outcome: 'delivered', row } as const;
    }));
  }

  /** When the next row for `server` is due (epoch ms), or null when none is pending. */
  async nextDue(server: string | null): Promise<number | null> {
    const result = await this.withQuery((query) => query(
      `select extract(epoch from min(next_attempt_at)) * 1000 as due from pgbackops.notification_outbox
        where delivered_at is null and given_up_at is null and ($1::text is null or backup_server = $1 or backup_server is null)`,
      [server],
    ));
    const due = result.rows[0]?.due;
    return due === null || due === undefined ? null : Number(due);
  }

  /** Queues the reminders due now (see notification-store.ts). */
  async queueReminders(now: number): Promise<number> {
    return this.withQuery((query) => queueReminders(query, now));
  }

  /** Every outbox row, oldest first (tests and reports). */
  async list(): Promise<Array<OutboxRow & { deliveredAt: Date | null; givenUpAt: Date | null; lastError: string | null }>> {
    const result = await this.withQuery((query) => query(
      `select id::text, idempotency_key as key, notifier, event, attempts, delivered_at as "deliveredAt", given_up_at as "givenUpAt", last_error as "lastError"
         from pgbackops.notification_outbox order by id`,
    ));
    return result.rows as never;
  }
}
