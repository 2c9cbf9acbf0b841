// The on-disk size of a database (or of every database a cluster dump covers), asked of the node: the
// estimate of a first backup's size for the progress line (docs/cli.md#progress). A dump is usually smaller
// than the files it reads (no indexes, compressed), so the line says "~" and never passes 99% before the end.
import pg from 'pg';
import type { NodeSpec } from '../../core/model.js';
import { nodeClientConfig } from './node-connection.js';

/** pg_database_size of `database`; null (the cluster) sums the databases pg_dumpall dumps (those that accept connections). */
export async function databaseSize(node: NodeSpec, database: string | null): Promise<number> {
  const client = new pg.Client(nodeClientConfig(node, database ?? node.maintenanceDatabase));
  await client.connect();
  try {
    const { rows } = database === null
      ? await client.query<{ size: string }>('select coalesce(sum(pg_database_size(oid)), 0)::text as size from pg_database where datallowconn')
      : await client.query<{ size: string }>('select pg_database_size(current_database())::text as size');
    return Number(rows[0]!.size);
  } finally {
    await client.end().catch(() => undefined);
  }
}
