// What a trial restore of a physical backup (verify --restore of the basebackup and pgbackrest methods) checks
// in the copy it started, before it is stopped and removed: it connects as the node's user through the copy's
// socket, lists the databases that accept connections and, where amcheck is installed, checks every B-tree index
// with bt_index_check. Recovery reaching its target proves the WAL; these prove the copy is a usable cluster.
import pg from 'pg';
import type { Catalog } from '../../adapters/catalog/catalog.js';
import type { BackupRow } from '../../adapters/catalog/report-queries.js';
import { DEFAULT_INSTANCE_USER } from '../../adapters/os/os-user.js';
import type { NodeSpec } from '../../core/model.js';
import { RestoreRefusedError, type VerifyOutcome } from '../method.js';
import { restoredSocketDirectory } from './start-restored-cluster.js';

/** A trial restore refused before it read anything: by its plan, or by a RestoreRefusedError (a taken port). */
export function refusedTrial(reason: string): NonNullable<VerifyOutcome['trial']> {
  return { outcome: null, scratchDatabase: null, durationMs: null, problem: `the trial restore was refused: ${reason}`, record: null };
}

/** A restore's RestoreRefusedError as the reason of a refused trial; any other error is thrown on. */
export function refusalOf(err: unknown): RestoreRefusedError {
  if (err instanceof RestoreRefusedError) return err;
  throw err;
}

/**
 * The copy's databases and its indexes checked: a summary for the trial's outcome, and the problem (corrupted
 * indexes, or a copy that could not be queried), null when none.
 */
export async function checkTrialCluster(catalog: Catalog, row: BackupRow, dataDirectory: string, port: number): Promise<{ summary: string; problem: string | null }> {
  const socketDir = restoredSocketDirectory(dataDirectory);
  let databases: string[] = [];
  try {
    const login = await loginOf(catalog, row);
    databases = await listDatabases(login, socketDir, port);
    const amcheck = await checkIndexes(login, databases, socketDir, port);
    const problem = amcheck.problems.length > 0 ? `amcheck found corrupted indexes: ${amcheck.problems.join('; ')}` : null;
    return { summary: `databases ${databases.join(', ')}; ${amcheck.summary}`, problem };
  } catch (err) {
    return { summary: `databases ${databases.join(', ')}`, problem: `the trial cluster started but could not be queried: ${(err as Error).message}` };
  }
}

interface Login {
  user: string;
  maintenanceDatabase: string;
}

/** Who connects to the trial cluster: the node's user (its roles are the node's). */
async function loginOf(catalog: Catalog, row: BackupRow): Promise<Login> {
  const node = (await catalog.readSnapshot()).objects.find((o) => o.kind === 'Node' && o.name === row.node)?.spec as NodeSpec | undefined;
  return { user: node?.user ?? DEFAULT_INSTANCE_USER, maintenanceDatabase: node?.maintenanceDatabase ?? 'postgres' };
}

async function withClient<T>(login: Login, database: string, socketDir: string, port: number, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ host: socketDir, port, user: login.user, database });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The trial cluster's databases that accept connections, through its socket. */
async function listDatabases(login: Login, socketDir: string, port: number): Promise<string[]> {
  return withClient(login, login.maintenanceDatabase, socketDir, port, async (client) =>
    (await client.query<{ datname: string }>('select datname from pg_database where not datistemplate and datallowconn order by datname')).rows.map((r) => r.datname));
}

/**
 * amcheck's bt_index_check on every valid B-tree index of every database of the trial copy, when the extension
 * is installed on this machine: corruption the files' checksums cannot see (they prove the backup is what the
 * server sent, not that what it sent was sound). The extension is created in the trial copy only, which is
 * removed afterwards; creating it needs a superuser, so a node user without that skips the check, saying so.
 */
async function checkIndexes(login: Login, databases: readonly string[], socketDir: string, port: number): Promise<{ summary: string; problems: string[] }> {
  const available = await withClient(login, login.maintenanceDatabase, socketDir, port, async (client) =>
    (await client.query<{ ok: boolean }>(`select exists (select 1 from pg_available_extensions where name = 'amcheck') as ok`)).rows[0]!.ok);
  if (!available) return { summary: 'amcheck is not installed here: indexes not checked', problems: [] };
  let checked = 0;
  const problems: string[] = [];
  for (const database of databases) {
    const skipped = await withClient(login, database, socketDir, port, async (client) => {
      try {
        await client.query('create extension if not exists amcheck');
      } catch (err) {
        return `amcheck could not be created in ${database} as ${login.user} (${(err as Error).message}): indexes not checked`;
      }
      const { rows } = await client.query<{ oid: number; name: string }>(`select c.oid::int as oid, c.oid::regclass::text as name
        from pg_index i join pg_class c on c.oid = i.indexrelid join pg_am a on a.oid = c.relam
        where a.amname = 'btree' and c.relpersistence <> 't' and i.indisvalid and i.indisready order by c.oid`);
      for (const index of rows) {
        try {
          await client.query('select bt_index_check($1::oid::regclass)', [index.oid]);
          checked++;
        } catch (err) {
          problems.push(`${database}: ${index.name}: ${(err as Error).message}`);
        }
      }
      return null;
    });
    if (skipped) return { summary: skipped, problems };
  }
  return { summary: `amcheck bt_index_check: ${checked} B-tree indexes in ${databases.length} databases sound`, problems };
}
