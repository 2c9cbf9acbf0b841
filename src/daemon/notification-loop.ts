// The daemon's notifications: delivers the outbox as soon as a row is inserted (LISTEN on the channel the
// outbox's insert trigger raises, see migrations/016_notifications.sql), retries when the next row is due,
// and every minute raises lateness alerts and reminders (evaluate-alerts.ts). It also reports the daemon's own
// apply outcomes as the server's apply state. Deliveries never overlap within the daemon; across processes
// the outbox's row locks keep them apart.
import pg from 'pg';
import type { Catalog } from '../adapters/catalog/catalog.js';
import type { Logger } from '../adapters/logger.js';
import type { BackoffPolicy } from '../core/notify/backoff.js';
import { backoffFromEnvironment, deliverNotifications } from '../jobs/notify/deliver-notifications.js';
import { evaluateAlerts } from '../jobs/notify/evaluate-alerts.js';
import { passOk, type PassRecord } from './daemon-status.js';

export const NOTIFICATION_CHANNEL = 'pgbackops_notification';
const RECONNECT_MS = 2_000;
/** How often the daemon raises lateness alerts and reminders. */
const EVALUATE_EVERY_MS = 60_000;

export interface NotificationLoopOptions {
  catalog: Catalog;
  config: pg.ClientConfig;
  server: string;
  logger: Logger;
  backoff: BackoffPolicy;
  /** How often lateness and reminders are evaluated (ms). */
  evaluateEveryMs: number;
}

/** The daemon's loop, started: retries with the backoff of `maintain` (its environment), evaluation every minute. */
export async function startNotificationLoop(o: Omit<NotificationLoopOptions, 'backoff' | 'evaluateEveryMs'>): Promise<NotificationLoop> {
  const loop = new NotificationLoop({ ...o, backoff: backoffFromEnvironment(), evaluateEveryMs: EVALUATE_EVERY_MS });
  await loop.start();
  return loop;
}

export class NotificationLoop {
  private client: pg.Client | null = null;
  private stopped = false;
  private running: Promise<void> | null = null;
  private again = false;
  private dueTimer: NodeJS.Timeout | null = null;
  private evaluateTimer: NodeJS.Timeout | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;

  constructor(private readonly o: NotificationLoopOptions) {}

  async start(): Promise<void> {
    await this.listen().catch((err: Error) => this.lost(err));
    this.evaluateTimer = setInterval(() => void this.evaluate(), this.o.evaluateEveryMs);
    this.evaluateTimer.unref();
    void this.evaluate();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of [this.dueTimer, this.reconnectTimer]) if (t) clearTimeout(t);
    if (this.evaluateTimer) clearInterval(this.evaluateTimer);
    await this.running?.catch(() => undefined);
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }

  /** Delivers what is due now; coalesces calls that arrive while a delivery runs. */
  deliver(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = (async () => {
      do {
        this.again = false;
        await deliverNotifications(this.o.catalog, this.o.server, this.o.logger, { backoff: this.o.backoff })
          .catch((err: Error) => this.o.logger.warn({ err: err.message }, 'notification delivery interrupted; the outbox keeps them'));
      } while (this.again && !this.stopped);
    })().finally(() => {
      this.running = null;
      void this.armNextDue();
    });
  }

  /** Reports a full pass's outcome as the server's apply state (apply-failed / apply-recovered). */
  async observePass(pass: PassRecord): Promise<void> {
    const bad = !passOk(pass);
    await this.o.catalog.alerts.observeApply(this.o.server, {
      bad,
      cause: pass.revision ?? pass.id,
      summary: bad
        ? `the daemon of ${this.o.server} could not apply revision ${pass.revision ?? '(unknown)'}: ${pass.result}`
        : `the daemon of ${this.o.server} applies its revisions again (${pass.revision ?? ''})`,
      ...(bad && pass.error ? { detail: pass.error } : {}),
      subject: { backupServer: this.o.server, ...(pass.revision ? { revision: pass.revision } : {}) },
    }).catch((err: Error) => this.o.logger.warn({ err: err.message }, 'could not record the apply state for notifications'));
  }

  private async evaluate(): Promise<void> {
    if (this.stopped) return;
    try {
      const snapshot = await this.o.catalog.readSnapshot();
      await evaluateAlerts(this.o.catalog, this.o.server, snapshot.objects, this.o.logger, Date.now());
    } catch (err) {
      this.o.logger.warn({ err: (err as Error).message }, 'alerts not evaluated');
    }
    this.deliver();
  }

  /** A timer for the next row that is waiting for its retry time. */
  private async armNextDue(): Promise<void> {
    if (this.stopped) return;
    const due = await this.o.catalog.outbox.nextDue(this.o.server).catch(() => null);
    if (this.dueTimer) clearTimeout(this.dueTimer);
    if (due === null || this.stopped) return;
    this.dueTimer = setTimeout(() => this.deliver(), Math.max(0, due - Date.now()) + 10);
    this.dueTimer.unref();
  }

  private async listen(): Promise<void> {
    const client = new pg.Client({ ...this.o.config, application_name: `pgbackops notifications ${this.o.server}` });
    client.on('error', (err) => this.lost(err, client));
    client.on('end', () => this.lost(new Error('connection ended'), client));
    client.on('notification', () => this.deliver());
    await client.connect();
    await client.query(`listen ${NOTIFICATION_CHANNEL}`);
    this.client = client;
    // Whatever was inserted while nobody listened.
    this.deliver();
  }

  private lost(err: Error, client?: pg.Client): void {
    if (this.stopped || (client && this.client !== client)) return;
    this.client = null;
    this.o.logger.warn({ err: err.message }, 'notification listener lost; reconnecting');
    this.reconnectTimer = setTimeout(() => void this.listen().catch((e: Error) => this.lost(e)), RECONNECT_MS);
    this.reconnectTimer.unref();
  }
}
