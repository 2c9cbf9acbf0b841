// What a base backup needs to know of its node besides pg_basebackup's output: which cluster it is (system
// identifier), its WAL segment size, and the node's clock before and after the copy (recovery targets are
// compared with commit times, which the node's clock stamps).
//
// One connection for both ends of the copy (NodeSession): opened while the run records its start, idle while
// pg_basebackup copies, asked the clock again when it has exited. A second connection at the end cost a run
// about 25 ms after pg_basebackup, which is all of the time a run may add to a 1 GB copy's 3 s (3 %). If the idle
// connection did not survive the copy (idle_session_timeout, a restarted node), the clock is asked on a new one.
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

export class NodeSession {
  private constructor(private readonly node: NodeSpec, private client: pg.Client | null, readonly facts: NodeFacts) {}

  static async open(node: NodeSpec): Promise<NodeSession> {
    const client = await connect(node);
    try {
      const { rows } = await client.query<{ sysid: string; segsize: string; now: Date; version: string; num: string }>(
        `select (select system_identifier::text from pg_control_system()) as sysid,
                (select setting from pg_settings where name = 'wal_segment_size') as segsize,
                clock_timestamp() as now, current_setting('server_version') as version,
                current_setting('server_version_num') as num`,
      );
      const row = rows[0]!;
      const num = Number(row.num);
      return new NodeSession(node, client, {
        systemIdentifier: row.sysid, walSegmentSize: Number(row.segsize), now: row.now.toISOString(),
        serverVersion: row.version.split(' ')[0]!, serverMajor: num >= 100000 ? Math.floor(num / 10000) : Math.floor(num / 100) / 100,
      });
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    }
  }

  /** The node's clock now, ISO 8601. */
  async clock(): Promise<string> {
    if (this.client) {
      try {
        return await askClock(this.client);
      } catch {
        await this.close();
      }
    }
    const client = await connect(this.node);
    try {
      return await askClock(client);
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }
}

async function connect(node: NodeSpec): Promise<pg.Client> {
  const client = new pg.Client(nodeClientConfig(node, node.maintenanceDatabase));
  // An idle connection the node ends during the copy must not throw here: clock() finds it broken and reconnects.
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

async function askClock(client: pg.Client): Promise<string> {
  return (await client.query<{ now: Date }>('select clock_timestamp() as now')).rows[0]!.now.toISOString();
}
