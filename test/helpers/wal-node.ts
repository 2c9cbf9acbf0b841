// WAL on a test cluster for the WAL archive tests: queries as its superuser, and closing segments.
import pg from 'pg';
import type { TestCluster } from './pg-cluster.js';

export async function nodeQuery<T = Record<string, unknown>>(node: TestCluster, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client(node.adminConfig);
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}

/** Writes some WAL and closes the current segment; returns the name of the segment closed. */
export async function switchSegment(node: TestCluster): Promise<string> {
  await nodeQuery(node, 'create table if not exists churn(x int)');
  await nodeQuery(node, 'insert into churn select generate_series(1, 1000)');
  const [row] = await nodeQuery<{ name: string }>(node, 'select pg_walfile_name(pg_switch_wal()) as name');
  return row!.name;
}
