// Restores aimed at the same database of a node run one at a time: a session advisory lock per target
// database name, taken on the target cluster itself, so restores started by any process on any backup server
// (the CLI, a one-off Restore job, verify --restore) serialise. The loser does not wait: it fails at once
// naming the conflict and the restore holding the name (docs/restore.md), having changed nothing; after the
// winner finished it would be refused anyway, its target existing.
//
// Advisory locks belong to one database of a cluster, so the lock is always taken in the node's maintenance
// database, which is where every pgbackops process connects to a node. The lock lives as long as its
// session: a killed restore releases it with its connection.
import { hostname } from 'node:os';
import pg from 'pg';
import type { NodeSpec } from '../../core/model.js';
import { connectNodeClient } from './restore-target.js';
import { PgbackopsError } from '../../core/errors.js';

/** "pbor" as a 32-bit integer: the first key of every restore target lock (two-int form, its own namespace). */
export const RESTORE_TARGET_LOCK_CLASS = 0x70626f72;

export class RestoreTargetBusyError extends PgbackopsError {
  readonly code = 'E_RESTORE_TARGET_BUSY';
}

export interface RestoreTargetLock {
  /** The session holding the lock; also good for queries on the maintenance database. */
  client: pg.Client;
  release(): Promise<void>;
}

/**
 * Takes the lock of every database name in `databases` on `node`, or none of them.
 * @param holder who takes it, shown to a restore that finds it taken (the session's application_name)
 * @throws RestoreTargetBusyError when another session holds one of them
 */
export async function lockRestoreTargets(node: NodeSpec, nodeName: string, databases: readonly string[], holder: string): Promise<RestoreTargetLock> {
  const client = await connectNodeClient(node, node.maintenanceDatabase, { application_name: applicationName(holder) });
  const release = async () => {
    // Ending the session releases every lock it holds.
    await client.end().catch(() => undefined);
  };
  try {
    // Sorted, so that two restores wanting overlapping sets do not each hold a part of what the other wants.
    for (const name of [...new Set(databases)].sort()) {
      const got = await client.query<{ ok: boolean }>('select pg_try_advisory_lock($1, hashtext($2)) as ok', [RESTORE_TARGET_LOCK_CLASS, lockName(name)]);
      if (!got.rows[0]!.ok) {
        throw new RestoreTargetBusyError(
          `another restore into database ${JSON.stringify(name)} on node ${nodeName} is in progress (${await holderOf(client, name)}); nothing was changed`,
        );
      }
    }
  } catch (err) {
    await release();
    throw err;
  }
  return { client, release };
}

async function holderOf(client: pg.Client, database: string): Promise<string> {
  const rows = await client.query<{ pid: number; application_name: string; client_addr: string | null }>(
    `select a.pid, a.application_name, host(a.client_addr) as client_addr
       from pg_locks l join pg_stat_activity a on a.pid = l.pid
      where l.locktype = 'advisory' and l.granted and l.objsubid = 2
        and l.database = (select oid from pg_database where datname = current_database())
        and l.classid::bigint = $1 and l.objid::bigint = (hashtext($2)::bigint & 4294967295)`,
    [RESTORE_TARGET_LOCK_CLASS, lockName(database)],
  ).catch(() => ({ rows: [] }));
  const h = rows.rows[0];
  if (!h) return 'its holder has just finished or could not be identified';
  return `${h.application_name || 'an unnamed session'}, backend ${h.pid} from ${h.client_addr ?? 'a local socket'}`;
}

function lockName(database: string): string {
  return `restore-target:${database}`;
}

/** application_name holds at most 63 bytes; the server would cut it anyway, but not on a character boundary. */
function applicationName(holder: string): string {
  const full = `pgbackops ${holder} from ${hostname()}:${process.pid}`;
  let out = '';
  for (const ch of full) {
    if (Buffer.byteLength(out + ch) > 63) break;
    out += ch;
  }
  return out;
}
