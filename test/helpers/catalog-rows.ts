// Catalog rows written by SQL for tests of the catalog's own reads: a backup server, one node on it and
// definitions of that node, with the least of a spec each table requires (no configuration, no apply).
import type pg from 'pg';

/** Backup server `server`, its node `${server}-node` and the definitions `names` of that node (idempotent). */
export async function defineOnServer(client: pg.Client, server: string, names: readonly string[]): Promise<void> {
  const node = `${server}-node`;
  await client.query(`insert into pgbackops.backup_servers (name, spec, spec_hash) values ($1, jsonb_build_object('host', $1::text), 'test') on conflict do nothing`, [server]);
  await client.query(`insert into pgbackops.nodes (name, spec, spec_hash) values ($1, jsonb_build_object('backupServer', $2::text, 'status', 'running'), 'test') on conflict do nothing`, [node, server]);
  await client.query(
    `insert into pgbackops.definitions (name, spec, spec_hash) select n, jsonb_build_object('node', $2::text), 'test' from unnest($1::text[]) n on conflict do nothing`,
    [names, node],
  );
}
