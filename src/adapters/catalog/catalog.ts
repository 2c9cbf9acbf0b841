// The catalog: pgbackops' PostgreSQL database of servers, nodes, retentions, definitions, applies and runs.
// The engine reads a snapshot, plans against it, and applies the plan's changes in one transaction that is
// refused if the catalog moved meanwhile.
import pg from 'pg';
import type { Logger } from 'pino';
import { KINDS, type Kind } from '../../core/model.js';
import type { HeldBackAction } from '../../core/plan/held-back.js';
import type { ActualObject } from '../../core/objects.js';
import { withApplyLock } from './apply-lock.js';
import { withMaintainLock } from './maintain-lock.js';
import { changeStatements, TABLE_BY_KIND } from './change-statements.js';
import { StanzaCheckStore } from './stanza-check-store.js';
import { RestorableWindowStore } from './restorable-window-store.js';
import { WalReceiverStore } from './wal-receiver-store.js';
import { OneOffStore } from './one-off-store.js';
import { CatalogConnectionLostError, CatalogIntegrityError, StaleCatalogError } from './errors.js';
import { isConnectionLoss, withPoolClient } from './pool-client.js';
import { StatusPageQueries } from './status-page-queries.js';
import { ReportQueries } from './report-queries.js';
import { RestoreStore } from './restore-store.js';
import { RunStore } from './run-store.js';
import { OutboxStore } from './outbox-store.js';
import { AlertStore } from './notification-store.js';
import { OffsiteStore } from './offsite-store.js';
import { mark } from '../os/timeline.js';
import { releaseSocket } from '../postgres/end-session.js';
import { migrate, pending, readAppliedMigrations, readMigrationFiles, readServerAndApplied, type Query } from './migrations.js';

export { ApplyLockTimeoutError, CatalogConnectionLostError, CatalogIntegrityError, StaleCatalogError, type ApplyLockHolder } from './errors.js';
export { CatalogTooNewError } from './migrations.js';

/** An object of the catalog (one type with the planner's: src/core/objects.ts). */
export type CatalogObject = ActualObject;

export interface CatalogSnapshot {
  /** catalog_state.version */
  version: number;
  lastAppliedRevision: string | null;
  /** What the last apply held back; empty when it applied its revision completely. */
  lastAppliedHeldBack: HeldBackAction[];
  /** Every configuration object, in kind order then name order. */
  objects: CatalogObject[];
}

/** What the planner needs besides the objects, read in the same consistent view. */
export interface PlanningSnapshot extends CatalogSnapshot {
  /**
   * Definition name -> number of backup_runs rows that hold files (status succeeded/expiring), including
   * definitions no longer in the configuration.
   */
  backupCounts: Record<string, number>;
}

export type CatalogChange =
  | { op: 'create' | 'update'; kind: Kind; name: string; spec: unknown; hash: string }
  | { op: 'delete'; kind: Kind; name: string };

export interface ApplyRecord {
  revision: string;
  actor: string;
  summary: Record<string, number>;
  overrides: string[];
  /** Actions this apply holds back (none when absent): the revision is applied partially unless empty. */
  heldBack?: HeldBackAction[];
}

/** NOTIFY channel raised by every apply that changed the catalog; the payload is the new catalog version. */
export const APPLY_NOTIFY_CHANNEL = 'pgbackops_apply';

// Oldest server the schema supports: generated columns (12), gen_random_uuid() in core (13).
const MIN_SERVER_VERSION_NUM = 130000;
// Apply lock + a concurrent apply/snapshot + headroom; small on purpose: the catalog is shared by a fleet.
const POOL_SIZE = 4;

export class Catalog {
  private issued = 0;
  /** The pool's connections, which close() lets go of. */
  private readonly sessions = new Set<pg.Client>();
  /** Backup run rows (jobs, spool ingestion, retention), on this catalog's connections. */
  readonly runs: RunStore;
  /** Restore run rows (`pgbackops restore`, trial restores). */
  readonly restores: RestoreStore;
  /** Read-only queries of reports, restore and verify. */
  readonly reports: ReportQueries;
  /** Status of one-off jobs (Snapshot, Restore): claims and outcomes. */
  readonly oneOffs: OneOffStore;
  /** What the WAL receivers of archived nodes last reported. */
  readonly walReceivers: WalReceiverStore;
  /** The last check of each pgBackRest stanza (apply, the daemon, `pgbackops check`). */
  readonly stanzaChecks: StanzaCheckStore;
  /** The restorable window of each node, as last computed where its WAL archive is (daemon, maintain, check). */
  readonly restorableWindows: RestorableWindowStore;
  /** The notification outbox: delivery, reminders. */
  readonly outbox: OutboxStore;
  /** Alert states observed by passes (lateness) and by the daemon (applies). */
  readonly alerts: AlertStore;
  /** Read-only queries of the status page. */
  readonly statusPage: StatusPageQueries;
  /** Off-site copies of backup runs, per store (docs/offsite.md). */
  readonly offsite: OffsiteStore;

  private constructor(
    private readonly pool: pg.Pool,
    private readonly logger: Logger | undefined,
  ) {
    this.runs = new RunStore((fn) => this.withClient(fn));
    this.restores = new RestoreStore((fn) => this.withClient(fn));
    this.reports = new ReportQueries((fn) => this.withClient(fn));
    this.oneOffs = new OneOffStore((fn) => this.withClient(fn));
    this.walReceivers = new WalReceiverStore((fn) => this.withClient(fn));
    this.stanzaChecks = new StanzaCheckStore((fn) => this.withClient(fn));
    this.restorableWindows = new RestorableWindowStore((fn) => this.withClient(fn));
    this.outbox = new OutboxStore((fn) => this.withClient(fn));
    this.alerts = new AlertStore((fn) => this.withClient(fn));
    this.statusPage = new StatusPageQueries((fn) => this.withClient(fn));
    this.offsite = new OffsiteStore((fn) => this.withClient(fn));
  }


  /** Connects and brings the schema up to date (runs pending migrations). */
  static async open(config: pg.ClientConfig, opts: { logger?: Logger; applicationName?: string } = {}): Promise<Catalog> {
    const pool = new pg.Pool({
      ...config,
      application_name: opts.applicationName ?? config.application_name ?? 'pgbackops',
      max: POOL_SIZE,
      idleTimeoutMillis: 30_000,
    });
    // An idle connection dropped by the server must not crash the process; the next query reconnects.
    pool.on('error', (err) => opts.logger?.warn({ err: err.message }, 'catalog connection lost while idle'));
    const catalog = new Catalog(pool, opts.logger);
    pool.on('connect', (client) => catalog.sessions.add(client));
    pool.on('remove', (client) => catalog.sessions.delete(client));
    try {
      await catalog.initialise();
    } catch (err) {
      await pool.end().catch(() => undefined);
      throw err;
    }
    return catalog;
  }

  /** Number of SQL statements sent so far (all connections), for benchmarks and O(1) checks. */
  get statementsIssued(): number {
    return this.issued;
  }

  /** The configuration objects and the catalog version. */
  async readSnapshot(): Promise<CatalogSnapshot> {
    return this.readState(false);
  }

  /**
   * The objects of these kinds only, in readSnapshot's order: `status` reads the nodes and servers without
   * the specs of 100,000 definitions (it lists a page of them, status-listing.ts).
   */
  async readObjectsOfKinds(kinds: readonly Kind[]): Promise<CatalogObject[]> {
    return this.withClient((query) => readObjects(query, kinds));
  }

  /**
   * readSnapshot plus the number of backups of each definition (which deletes a plan must block). Counting
   * reads every run row, which a catalog of a million runs pays in half a second: only the planner asks.
   *
   * `known`: specs the caller already holds (the configuration's), by kind and name with their hash. The catalog
   * is then compared by name -> hash: an object whose stored hash is the known one takes the known spec (the
   * hash is that of the spec's canonical JSON, so the two are the same value), and only the specs of the
   * others (changed, or absent from the configuration) are read. A no-op plan of 100,000 definitions thus
   * reads 100,000 short rows instead of parsing 100,000 specs (bench/scale.js). A function is called only
   * when the objects are read, once their names and hashes have arrived: a caller still making its specs
   * (`plan` loading its configuration) sends the read first and gives them as a promise; the read then
   * waits for them inside its transaction.
   *
   * `objectsAt`: the objects as the caller knows them at a catalog version (the daemon's, after its own
   * apply). While the catalog is still at that version they are not read at all: every change of an object
   * moves the version (applyChanges), so the same version holds the same objects.
   */
  async readPlanningSnapshot(known?: KnownSpecs | (() => KnownSpecs | Promise<KnownSpecs>), objectsAt?: CatalogObjectsAt): Promise<PlanningSnapshot> {
    return this.readState(true, known, objectsAt);
  }

  private async readState(withCounts: true, known?: KnownSpecs | (() => KnownSpecs | Promise<KnownSpecs>), objectsAt?: CatalogObjectsAt): Promise<PlanningSnapshot>;
  private async readState(withCounts: false): Promise<CatalogSnapshot>;
  private async readState(withCounts: boolean, known?: KnownSpecs | (() => KnownSpecs | Promise<KnownSpecs>), objectsAt?: CatalogObjectsAt): Promise<CatalogSnapshot | PlanningSnapshot> {
    return this.withClient(async (query) => {
      // One consistent view of state, objects and counts.
      await query('begin isolation level repeatable read read only');
      try {
        const state = await query('select version, last_applied_revision, last_applied_held_back from pgbackops.catalog_state');
        const objects = objectsAt && objectsAt.version === Number(state.rows[0].version) ? objectsAt.objects
          : known ? await readObjectsByHash(query, known) : await readObjects(query);
        const counts = withCounts
          ? await query(
            `select definition, count(*)::integer as n from pgbackops.backup_runs
              where status in ('succeeded', 'expiring') group by definition`,
          )
          : null;
        await query('commit');
        const row = state.rows[0];
        const snapshot: CatalogSnapshot = {
          version: Number(row.version),
          lastAppliedRevision: row.last_applied_revision,
          lastAppliedHeldBack: row.last_applied_held_back,
          objects,
        };
        return counts ? { ...snapshot, backupCounts: Object.fromEntries(counts.rows.map((r) => [r.definition, r.n])) } : snapshot;
      } catch (err) {
        await query('rollback').catch(() => undefined);
        throw err;
      }
    });
  }

  withApplyLock<T>(holder: string, timeoutMs: number, fn: () => Promise<T>): Promise<T> {
    return withApplyLock(this.pool, (client) => this.counted(client), holder, timeoutMs, fn, (err) =>
      this.logger?.warn({ err: err.message }, 'the apply lock\'s connection was lost; the lock ended with its session'),
    );
  }

  /** One maintain per backup server at a time (see maintain-lock.ts); waits up to waitMs, 0 for one try. */
  withMaintainLock<T>(server: string, waitMs: number, fn: () => Promise<T>): Promise<T> {
    return withMaintainLock(this.pool, (client) => this.counted(client), server, waitMs, fn);
  }

  /**
   * Applies `changes` in one transaction, refused with StaleCatalogError unless the catalog is still at
   * `expectedVersion`. Bumps the version when something changed, records the revision as applied (with what
   * it held back) and the apply in apply_history (also when nothing changed), and notifies
   * APPLY_NOTIFY_CHANNEL on commit when the version moved.
   * `beforeCommit` runs when everything but the commit is done (a failpoint for tests).
   */
  async applyChanges(
    changes: CatalogChange[],
    record: ApplyRecord,
    expectedVersion: number,
    hooks: { beforeCommit?: () => void } = {},
  ): Promise<{ version: number; statements: number }> {
    const statements = changeStatements(changes);
    const issuedBefore = this.issued;
    const version = await this.withClient(async (query, discard) => {
      // Set once the commit may have been sent: from then on a lost connection leaves the outcome to ask.
      let pending: { xid: string; version: number } | null = null;
      await query('begin');
      try {
        // The row lock also serialises appliers that bypassed the apply lock. The transaction id lets a lost
        // commit be looked up afterwards (txid_status).
        const state = await query('select version, txid_current()::text as xid from pgbackops.catalog_state for update');
        const actual = Number(state.rows[0].version);
        if (actual !== expectedVersion) throw new StaleCatalogError(expectedVersion, actual);

        for (const statement of statements) {
          const result = await this.runChange(query, statement);
          if (result.rowCount !== statement.names.length) {
            throw new CatalogIntegrityError(
              `${statement.op} of ${statement.names.length} ${statement.kind} object(s) matched ${result.rowCount} row(s); ` +
                'the catalog does not hold what the plan expected',
            );
          }
        }

        const changed = changes.length > 0 ? 1 : 0;
        const finished = await query(
          `with state as (
             update pgbackops.catalog_state
                set version = version + $1,
                    last_applied_revision = $2, last_applied_at = now(), last_applied_held_back = $7::jsonb,
                    last_attempted_revision = $2, last_attempted_at = now(), last_attempt_error = null
             returning version
           )
           insert into pgbackops.apply_history
             (revision, actor, started_at, finished_at, summary, overrides, catalog_version_before, catalog_version_after)
           select $2, $3, now(), clock_timestamp(), $4::jsonb, $5::text[], $6, state.version from state
           returning catalog_version_after`,
          [changed, record.revision, record.actor, JSON.stringify(record.summary), record.overrides, expectedVersion, JSON.stringify(record.heldBack ?? [])],
        );
        const newVersion = Number(finished.rows[0].catalog_version_after);
        // Delivered to listeners only when the transaction commits.
        if (changed) await query('select pg_notify($1, $2)', [APPLY_NOTIFY_CHANNEL, String(newVersion)]);
        hooks.beforeCommit?.();
        pending = { xid: String(state.rows[0].xid), version: newVersion };
        await query('commit');
        return newVersion;
      } catch (err) {
        await query('rollback').catch(() => undefined);
        if (!isConnectionLoss(err)) throw err;
        discard();
        if (!pending) throw new CatalogConnectionLostError(false, { cause: err });
        const outcome = await this.transactionStatus(pending.xid);
        if (outcome === 'committed') {
          this.logger?.warn({ err: (err as Error).message }, 'the catalog connection was lost at the commit, which went through');
          return pending.version;
        }
        throw new CatalogConnectionLostError(outcome === 'aborted' ? false : null, { cause: err });
      }
    });
    this.logger?.info({ version, changes: changes.length, revision: record.revision }, 'catalog changes applied');
    return { version, statements: this.issued - issuedBefore };
  }

  /**
   * What became of a transaction whose connection was lost (PostgreSQL's txid_status, on another
   * connection): committed, aborted, or null when that cannot be known (still in progress on a session the
   * server has not noticed is gone, or the catalog cannot be reached).
   */
  private async transactionStatus(xid: string): Promise<'committed' | 'aborted' | null> {
    try {
      const result = await this.withClient((query) => query('select txid_status($1::bigint) as status', [xid]));
      const status: unknown = result.rows[0]?.status;
      return status === 'committed' || status === 'aborted' ? status : null;
    } catch (err) {
      this.logger?.warn({ err: (err as Error).message }, 'could not ask the catalog whether the lost commit went through');
      return null;
    }
  }

  /** The revision the catalog was last applied from (null before the first apply); one small query. */
  async lastAppliedRevision(): Promise<string | null> {
    return this.withClient(async (query) => (await query('select last_applied_revision from pgbackops.catalog_state')).rows[0]?.last_applied_revision ?? null);
  }

  /** Records an apply attempt that did not get to applyChanges (or failed), without touching the version. */
  async recordAttempt(revision: string, error: string | null): Promise<void> {
    await this.withClient((query) =>
      query(
        `update pgbackops.catalog_state
            set last_attempted_revision = $1, last_attempted_at = now(), last_attempt_error = $2`,
        [revision, error],
      ),
    );
  }

  async migrationStatus(): Promise<{ applied: { version: number; name: string; appliedAt: Date }[]; pending: { version: number; name: string }[] }> {
    const files = await readMigrationFiles();
    const applied = await this.withClient((query) => readAppliedMigrations(query));
    return {
      applied: applied.map(({ version, name, appliedAt }) => ({ version, name, appliedAt })),
      pending: pending(applied, files).map(({ version, name }) => ({ version, name })),
    };
  }

  /**
   * Ends every session (Terminate sent; the pool ends without waiting for the server to close the sockets)
   * and lets the sockets close on their own: a process whose work is done exits without waiting for the
   * server's backends to exit (end-session.ts).
   */
  async close(): Promise<void> {
    const sessions = [...this.sessions];
    await this.pool.end();
    for (const client of sessions) releaseSocket(client);
  }

  // -------------------------------------------------------------------------------------------------------

  private async initialise(): Promise<void> {
    // Read while the first connection is made.
    const files = readMigrationFiles();
    files.catch(() => undefined); // awaited below
    await this.withClient(async (query) => {
      mark('catalog connected');
      const { serverVersionNum, applied } = await readServerAndApplied(query);
      if (serverVersionNum < MIN_SERVER_VERSION_NUM) {
        throw new Error(`the catalog needs PostgreSQL 13 or newer (server_version_num ${serverVersionNum})`);
      }
      await migrate(query, await files, this.logger, applied ?? undefined);
    });
  }

  private async runChange(query: Query, statement: ReturnType<typeof changeStatements>[number]): Promise<pg.QueryResult> {
    try {
      return await query(statement.sql, statement.params);
    } catch (err) {
      const e = err as { code?: string; detail?: string; constraint?: string; message: string };
      const what = `${statement.op} of ${statement.kind} ${preview(statement.names)}`;
      if (e.code === '23503') {
        const why = statement.op === 'delete' ? 'still referenced' : 'references something that does not exist';
        throw new CatalogIntegrityError(`catalog refused ${what}: ${why}: ${e.detail ?? e.message} (constraint ${e.constraint})`, { cause: err });
      }
      if (e.code === '23505') throw new CatalogIntegrityError(`catalog refused ${what}: already exists: ${e.detail ?? e.message}`, { cause: err });
      if (e.code?.startsWith('23')) throw new CatalogIntegrityError(`catalog refused ${what}: ${e.message}`, { cause: err });
      throw err;
    }
  }

  /** fn may call `discard()` to have a connection it knows is broken destroyed rather than pooled. */
  private withClient<T>(fn: (query: Query, discard: () => void) => Promise<T>): Promise<T> {
    return withPoolClient(this.pool, (client, discard) => fn(this.counted(client), discard));
  }

  private counted(client: pg.PoolClient): Query {
    return (sql, params) => {
      this.issued++;
      return params === undefined ? client.query(sql) : client.query(sql, params);
    };
  }
}

function preview(names: string[]): string {
  return names.length <= 3 ? names.join(', ') : `${names.slice(0, 3).join(', ')} and ${names.length - 3} more`;
}

/** Specs a reader already holds, by kind and name, with the hash of each (a configuration's DesiredObjects). */
export type KnownSpecs = ReadonlyMap<Kind, ReadonlyMap<string, { readonly hash: string; readonly spec: unknown }>>;

/** Every object of the catalog at `version`, in the order the catalog reads them (kind, then name). */
export interface CatalogObjectsAt {
  readonly version: number;
  readonly objects: CatalogObject[];
}

/** Every object (of `kinds`) with its spec, in kind order then name order. */
async function readObjects(query: Query, kinds: readonly Kind[] = KINDS): Promise<CatalogObject[]> {
  const perKind = kinds.map((kind) => `select '${kind}' as kind, ${KINDS.indexOf(kind)} as kind_order, name, spec, spec_hash from ${TABLE_BY_KIND[kind]}`);
  const rows = await query(`select * from (${perKind.join(' union all ')}) o order by kind_order, name collate "C"`);
  return rows.rows.map((r) => ({ kind: r.kind as Kind, name: r.name, spec: r.spec, hash: r.spec_hash }));
}

/**
 * Every object, in readObjects' order, reading name -> hash first and then the specs of the objects whose
 * hash is not the known one (per kind, by primary key); the others take the known spec.
 */
async function readObjectsByHash(query: Query, knownSpecs: KnownSpecs | (() => KnownSpecs | Promise<KnownSpecs>)): Promise<CatalogObject[]> {
  const perKind = KINDS.map((kind, order) => `select ${order} as kind_order, name, spec_hash from ${TABLE_BY_KIND[kind]}`);
  const rows = (await query(`select * from (${perKind.join(' union all ')}) o order by kind_order, name collate "C"`)).rows;
  const known = typeof knownSpecs === 'function' ? await knownSpecs() : knownSpecs;
  const objects: CatalogObject[] = new Array(rows.length);
  const unknown = new Map<Kind, Map<string, number>>();
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    const kind = KINDS[r.kind_order as number]!;
    const have = known.get(kind)?.get(r.name);
    const same = have !== undefined && have.hash === r.spec_hash;
    objects[i] = { kind, name: r.name, spec: same ? have.spec : undefined, hash: r.spec_hash } as CatalogObject;
    if (!same) {
      const names = unknown.get(kind) ?? new Map<string, number>();
      names.set(r.name, i);
      unknown.set(kind, names);
    }
  }
  for (const [kind, names] of unknown) {
    const specs = await query(`select name, spec from ${TABLE_BY_KIND[kind]} where name = any($1::text[])`, [[...names.keys()]]);
    for (const s of specs.rows) objects[names.get(s.name)!]!.spec = s.spec;
  }
  return objects;
}
