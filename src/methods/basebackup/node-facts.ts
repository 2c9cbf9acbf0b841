// What a base backup needs to know of its node besides pg_basebackup's output: which cluster it is (system
// identifier), its WAL segment size, and the node's clock before and after the copy (recovery targets are
// compared with commit times, which the node's clock stamps).
import pg from 'pg';
import { nodeClientConfig } from '../../adapters/postgres/node-connection.js';
import type { NodeSpec } from '../../core/model.js';

export interface NodeFacts {
  systemIdentifier: string;
  walSegmentSize: number;
  /** The node's clock, ISO 8601. */
  now: string;
  serverVersion: string;
  serverMajor: number;
}

export async function readNodeFacts(node: NodeSpec): Promise<NodeFacts> {
  const client = new pg.Client(nodeClientConfig(node, node.maintenanceDatabase));
  client.on('error', () => undefined);
  await client.connect();
  try {
    const { rows } = await client.query<{ sysid: string; segsize: string; now: Date; version: string; num: string }>(
      `select (select system_identifier::text from pg_control_system()) as sysid,
              (select setting from pg_settings where name = 'wal_segment_size') as segsize,
              clock_timestamp() as now, current_setting('server_version') as version,
              current_setting('server_version_num') as num`,
    );
    const row = rows[0]!;
    const num = Number(row.num);
    return {
      systemIdentifier: row.sysid, walSegmentSize: Number(row.segsize), now: row.now.toISOString(),
      serverVersion: row.version.split(' ')[0]!, serverMajor: num >= 100000 ? Math.floor(num / 10000) : Math.floor(num / 100) / 100,
    };
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function nodeClock(node: NodeSpec): Promise<string> {
  const client = new pg.Client(nodeClientConfig(node, node.maintenanceDatabase));
  client.on('error', () => undefined);
  await client.connect();
  try {
    return (await client.query<{ now: Date }>('select clock_timestamp() as now')).rows[0]!.now.toISOString();
  } finally {
    await client.end().catch(() => undefined);
  }
}
