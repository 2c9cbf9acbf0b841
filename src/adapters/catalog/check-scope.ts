// What `pgbackops check-status` reads, in one read-only transaction on one connection: the definitions in its
// scope with only the fields the check uses, every node and server (few and small: their rpo, status and WAL
// archive), and the run figures of those definitions (run-stats.ts). Reading every object's whole spec, as a
// plan does, cost 0.25-0.8 s at 10,000 definitions before the first verdict (4 MB of JSON to parse).
import type { BackupServerSpec, BackupSpec, NodeSpec } from '../../core/model.js';
import type { Query } from './migrations.js';
import { readRunStats, type DefinitionRunStats } from './run-stats.js';

/** The fields of a Backup the check decides on. */
export type CheckedBackupSpec = Pick<BackupSpec, 'node' | 'resolvedSchedule' | 'timezone' | 'enabled' | 'rpo' | 'method'>;

export interface CheckScopeFilter {
  definition?: string;
  node?: string;
  /** The definitions of this server's nodes. */
  server?: string;
}

export interface CheckScope {
  /** In name order (C collation), as the snapshot lists them. */
  definitions: Array<{ name: string; spec: CheckedBackupSpec }>;
  nodes: Map<string, NodeSpec>;
  servers: Map<string, BackupServerSpec>;
  runs: Map<string, DefinitionRunStats>;
}

export async function readCheckScope(query: Query, filter: CheckScopeFilter): Promise<CheckScope> {
  // One consistent view: a run recorded meanwhile must not count for a definition read before it.
  await query('begin isolation level repeatable read read only');
  try {
    const definitions = await query(
      `select name, node, spec->>'resolvedSchedule' as schedule, spec->>'timezone' as timezone, enabled, spec->>'rpo' as rpo, spec->>'method' as method
         from pgbackops.definitions
        where ($1::text is null or name = $1) and ($2::text is null or node = $2)
          and ($3::text is null or node in (select n.name from pgbackops.nodes n where n.spec->>'backupServer' = $3))
        order by name collate "C"`,
      [filter.definition ?? null, filter.node ?? null, filter.server ?? null],
    );
    const nodes = await query('select name, spec from pgbackops.nodes');
    const servers = await query('select name, spec from pgbackops.backup_servers');
    const runs = await readRunStats(async (sql, params) => (await query(sql, params)).rows, {
      definitions: definitions.rows.map((r) => r.name as string),
    });
    await query('commit');
    return {
      definitions: definitions.rows.map((r) => ({
        name: r.name as string,
        spec: {
          node: r.node as string,
          resolvedSchedule: r.schedule as string,
          timezone: r.timezone as string,
          enabled: r.enabled as boolean,
          ...(r.rpo === null ? {} : { rpo: r.rpo as string }),
          ...(r.method === null ? {} : { method: r.method as CheckedBackupSpec['method'] }),
        },
      })),
      nodes: new Map(nodes.rows.map((r) => [r.name as string, r.spec as NodeSpec])),
      servers: new Map(servers.rows.map((r) => [r.name as string, r.spec as BackupServerSpec])),
      runs,
    };
  } catch (err) {
    await query('rollback').catch(() => undefined);
    throw err;
  }
}
