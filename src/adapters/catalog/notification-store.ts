// Notifications in the catalog: the alert state per (subject, family), and the outbox.
//
// A state is observed inside the transaction that records its cause (a run's outcome, a restore's): the state
// row is locked (FOR UPDATE), the state measured from the catalog under that lock, and a change turned into
// outbox rows, one per notifier, all in that transaction. So an alert is raised exactly once per change, by
// whichever process records it first, and is never lost: an outcome recorded later from the spool raises it
// then. Events without a state (a restore finished) are inserted idempotently by key.
import type { BackupServerSpec, BackupSpec, NodeSpec, NotifierSpec } from '../../core/model.js';
import { FAMILY_EVENTS, idempotencyKey, NOTIFICATION_EVENT_VERSION, type EventSubject, type EventType, type Family, type NotificationEvent } from '../../core/notify/event.js';
import { notifiersOf, wants } from '../../core/notify/notifiers-of.js';
import { reminderDue } from '../../core/notify/reminders.js';
import { transition } from '../../core/notify/transition.js';
import type { Query } from './migrations.js';

/** Who is told: the notifiers of a definition, of a node (restores), of a server, or every notifier. */
export type Audience = { definition: string } | { node: string } | { server: string } | 'all';

/** A state measured under its lock: bad or not, and the words of the alert (or of the recovery). */
export interface Measured {
  bad: boolean;
  /** What made it bad (a run id, a missed schedule time): with the subject, the episode's identity. */
  cause: string;
  summary: string;
  detail?: string;
  subject: EventSubject;
}

interface StateRow {
  bad: boolean;
  bad_since: Date | null;
  cause: string | null;
  event: NotificationEvent | null;
}

/** Locks (creating it if needed) the state row of (subject, family); the caller holds a transaction. */
export async function lockState(query: Query, subject: string, family: Family): Promise<StateRow> {
  await query(`insert into pgbackops.notification_state (subject, family) values ($1, $2) on conflict do nothing`, [subject, family]);
  const result = await query(
    `select bad, bad_since, cause, event from pgbackops.notification_state where subject = $1 and family = $2 for update`,
    [subject, family],
  );
  return result.rows[0] as StateRow;
}

/**
 * Settles a locked state with what was measured: an alert when it turned bad, a recovery notice when it
 * turned good, nothing otherwise. Returns the event raised, if any.
 */
export async function settleState(
  query: Query, subject: string, family: Family, state: StateRow, measured: Measured, audience: Audience,
): Promise<NotificationEvent | null> {
  const change = transition(state, measured.bad);
  if (change === null) return null;
  const now = new Date();
  const types = FAMILY_EVENTS[family];
  if (change === 'alert') {
    const event: NotificationEvent = {
      version: NOTIFICATION_EVENT_VERSION, id: `${types.alert}/${subject}/${measured.cause}`, type: types.alert, notice: 'alert',
      severity: family === 'late' ? 'warning' : 'critical', occurredAt: now.toISOString(), badSince: now.toISOString(),
      summary: measured.summary, ...(measured.detail ? { detail: measured.detail } : {}), subject: measured.subject,
    };
    await query(
      `update pgbackops.notification_state set bad = true, bad_since = $3, cause = $4, event = $5, updated_at = now()
        where subject = $1 and family = $2`,
      [subject, family, now, measured.cause, JSON.stringify(event)],
    );
    await enqueue(query, event, audience);
    return event;
  }
  const event: NotificationEvent = {
    version: NOTIFICATION_EVENT_VERSION, id: `${types.recovery}/${subject}/${state.cause ?? measured.cause}`, type: types.recovery, notice: 'recovery',
    severity: 'ok', occurredAt: now.toISOString(), ...(state.bad_since ? { badSince: state.bad_since.toISOString() } : {}),
    summary: measured.summary, ...(measured.detail ? { detail: measured.detail } : {}), subject: measured.subject,
  };
  await query(
    `update pgbackops.notification_state set bad = false, bad_since = null, cause = null, event = null, updated_at = now()
      where subject = $1 and family = $2`,
    [subject, family],
  );
  await enqueue(query, event, audience);
  return event;
}

/**
 * One outbox row per notifier of the audience that wants the event; a key already there is left alone, so
 * raising the same event twice (a spooled record ingested again) sends it once.
 */
export async function enqueue(query: Query, event: NotificationEvent, audience: Audience): Promise<number> {
  const { notifiers, server } = await audienceOf(query, audience);
  const rows = notifiers
    .filter((n) => wants(n.spec, event.type))
    .map((n) => ({ key: idempotencyKey(event.id, n.name), notifier: n.name, server }));
  if (rows.length === 0) return 0;
  const result = await query(
    `insert into pgbackops.notification_outbox (idempotency_key, notifier, backup_server, event)
     select r.key, r.notifier, r.server, $2::jsonb from jsonb_to_recordset($1::jsonb) as r(key text, notifier text, server text)
     on conflict (idempotency_key) do nothing`,
    [JSON.stringify(rows), JSON.stringify(event)],
  );
  return result.rowCount ?? 0;
}

interface NamedNotifier {
  name: string;
  spec: NotifierSpec;
}

/** The notifiers an audience has (see core/notify/notifiers-of.ts), and the server whose deliverer sends. */
async function audienceOf(query: Query, audience: Audience): Promise<{ notifiers: NamedNotifier[]; server: string | null }> {
  let names: string[] | null = null;
  let server: string | null = null;
  if (audience !== 'all') {
    const [where, param] = 'definition' in audience ? ['d.name', audience.definition] : 'node' in audience ? ['n.name', audience.node] : ['s.name', audience.server];
    const outer = 'definition' in audience ? '' : 'left ';
    const result = await query(
      `select s.name as server, s.spec as server_spec, n.spec as node_spec, d.spec as definition_spec
         from pgbackops.backup_servers s
         ${outer}join pgbackops.nodes n on n.backup_server = s.name and ${'server' in audience ? 'false' : 'true'}
         ${outer}join pgbackops.definitions d on d.node = n.name and ${'definition' in audience ? 'true' : 'false'}
        where ${where} = $1 limit 1`,
      [param],
    );
    const row = result.rows[0] as { server: string; server_spec: BackupServerSpec; node_spec: NodeSpec | null; definition_spec: BackupSpec | null } | undefined;
    // A definition, node or server no longer in the catalog has no notifiers to tell.
    if (!row) return { notifiers: [], server: null };
    server = row.server;
    names = notifiersOf(row.definition_spec ?? undefined, row.node_spec ?? undefined, row.server_spec);
    if (names.length === 0) return { notifiers: [], server };
  }
  const result = await query(
    `select name, spec from pgbackops.notifiers where $1::text[] is null or name = any($1::text[]) order by name`,
    [names],
  );
  return { notifiers: result.rows as NamedNotifier[], server };
}

/** Outcomes per database of a definition's latest finished runs: the run family's measure. */
export async function measureRuns(query: Query, definition: string): Promise<Measured> {
  const result = await query(
    `select distinct on (database) id::text, database, status, node, backup_server, failure_reason
       from pgbackops.backup_runs
      where definition = $1 and status in ('succeeded', 'expiring', 'failed', 'abandoned') and finished_at is not null
      order by database, started_at desc`,
    [definition],
  );
  const latest = result.rows as Array<{ id: string; database: string | null; status: string; node: string; backup_server: string; failure_reason: string | null }>;
  const failing = latest.filter((r) => r.status === 'failed' || r.status === 'abandoned');
  const any = failing[0] ?? latest[0];
  const subject: EventSubject = { definition, ...(any ? { node: any.node, backupServer: any.backup_server } : {}) };
  if (failing.length === 0) {
    return { bad: false, cause: '', summary: `backup ${definition} succeeded again${any ? ` on ${any.node}` : ''}`, subject };
  }
  const label = (r: { database: string | null }) => r.database ?? '(cluster)';
  const first = failing[0]!;
  return {
    bad: true,
    cause: first.id,
    summary: `backup ${definition} failed on ${first.node}: ${failing.map(label).join(', ')}`,
    detail: failing.map((r) => `${label(r)}: ${r.failure_reason ?? r.status}`).join('\n'),
    subject: { ...subject, runId: first.id, ...(failing.length === 1 && first.database ? { database: first.database } : {}) },
  };
}

/** Observes the run family of a definition; the caller holds a transaction. */
export async function observeRuns(query: Query, definition: string): Promise<NotificationEvent | null> {
  const subject = `definition:${definition}`;
  const state = await lockState(query, subject, 'run');
  return settleState(query, subject, 'run', state, await measureRuns(query, definition), { definition });
}

/** Runs `fn` in a transaction on one connection. */
export async function inTransaction<T>(query: Query, fn: () => Promise<T>): Promise<T> {
  await query('begin');
  try {
    const out = await fn();
    await query('commit');
    return out;
  } catch (err) {
    await query('rollback').catch(() => undefined);
    throw err;
  }
}

/**
 * Reminders of the states that stay bad: the n-th reminder of an episode, per notifier, under a key of its
 * own (see core/notify/reminders.ts). Returns how many were queued.
 */
export async function queueReminders(query: Query, now: number): Promise<number> {
  const states = await query(`select subject, family, bad_since, event from pgbackops.notification_state where bad and event is not null`);
  let queued = 0;
  for (const row of states.rows as Array<{ subject: string; family: Family; bad_since: Date; event: NotificationEvent }>) {
    const audience = audienceOfEvent(row.event);
    const { notifiers, server } = await audienceOf(query, audience);
    for (const n of notifiers) {
      if (!wants(n.spec, row.event.type)) continue;
      const number = reminderDue(n.spec.remindEvery, row.bad_since.getTime(), now);
      if (!number) continue;
      const event: NotificationEvent = { ...row.event, id: `${row.event.id}/reminder-${number}`, notice: 'reminder', occurredAt: new Date(now).toISOString() };
      const result = await query(
        `insert into pgbackops.notification_outbox (idempotency_key, notifier, backup_server, event) values ($1, $2, $3, $4)
         on conflict (idempotency_key) do nothing`,
        [idempotencyKey(event.id, n.name), n.name, server, JSON.stringify(event)],
      );
      queued += result.rowCount ?? 0;
    }
  }
  return queued;
}

/** Who was told of an event is who is reminded: its definition's, node's or server's notifiers. */
export function audienceOfEvent(event: Pick<NotificationEvent, 'subject'>): Audience {
  const s = event.subject;
  if (s.definition) return { definition: s.definition };
  if (s.node) return { node: s.node };
  if (s.backupServer) return { server: s.backupServer };
  return 'all';
}

export type { EventType };

type WithQuery = <T>(fn: (query: Query) => Promise<T>) => Promise<T>;

/** The states observed outside a recording transaction: lateness (by a pass over the health), applies. */
export class AlertStore {
  constructor(private readonly withQuery: WithQuery) {}

  /** Definitions whose late state is bad now (so a pass also looks at those that may have recovered). */
  async lateDefinitions(): Promise<Set<string>> {
    const result = await this.withQuery((query) => query(
      `select subject from pgbackops.notification_state where family = 'late' and bad and starts_with(subject, 'definition:')`,
    ));
    return new Set(result.rows.map((r) => (r.subject as string).slice('definition:'.length)));
  }

  /**
   * Nodes whose WAL archive `server` reported failing and that are still bad (so a pass also looks at archives
   * that may have recovered, or gone from this server).
   */
  async failingWalArchives(server: string): Promise<Set<string>> {
    const result = await this.withQuery((query) => query(
      `select subject from pgbackops.notification_state
        where family = 'wal' and bad and starts_with(subject, 'node:') and event->'subject'->>'backupServer' = $1`,
      [server],
    ));
    return new Set(result.rows.map((r) => (r.subject as string).slice('node:'.length)));
  }

  /** Settles one node's WAL archive state (its own short transaction); told to the node's notifiers. */
  async observeWalArchive(node: string, measured: Measured): Promise<NotificationEvent | null> {
    const subject = `node:${node}`;
    return this.withQuery((query) => inTransaction(query, async () => {
      const state = await lockState(query, subject, 'wal');
      return settleState(query, subject, 'wal', state, measured, { node });
    }));
  }

  /** Settles one definition's late state (its own short transaction). */
  async observeLate(definition: string, measured: Measured): Promise<NotificationEvent | null> {
    const subject = `definition:${definition}`;
    return this.withQuery((query) => inTransaction(query, async () => {
      const state = await lockState(query, subject, 'late');
      return settleState(query, subject, 'late', state, measured, { definition });
    }));
  }

  /**
   * Settles the apply state of a backup server's daemon: bad while its revisions fail to apply or are
   * rejected. Told to the server's notifiers.
   */
  async observeApply(server: string, measured: Measured): Promise<NotificationEvent | null> {
    const subject = `server:${server}`;
    return this.withQuery((query) => inTransaction(query, async () => {
      const state = await lockState(query, subject, 'apply');
      return settleState(query, subject, 'apply', state, measured, { server });
    }));
  }

  /** Run statistics of a server's definitions (the health inputs). */
  async query<R extends Record<string, unknown>>(sql: string, params: unknown[]): Promise<R[]> {
    return this.withQuery(async (query) => (await query(sql, params)).rows as R[]);
  }
}
