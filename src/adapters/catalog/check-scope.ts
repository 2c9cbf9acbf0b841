// What `pgbackops check-status` reads, in one read-only transaction on one connection: the definitions in its
// scope with only the fields the check uses, each with its run summary (run-stats.ts: three index probes per
// definition, in the same statement), and every node and server (few and small: their rpo, status and WAL
// archive). Reading every object's whole spec, as a plan does, cost 0.25-0.8 s at 10,000 definitions before
// the first verdict (4 MB of JSON to parse); reading the definitions and then their run figures by name sent
// 10,000 names back to the server and parsed twice as many rows.
import type { BackupServerSpec, BackupSpec, NodeSpec } from '../../core/model.js';
import type { RunSummary } from '../../core/reports/definition-health.js';
import type { Query } from './migrations.js';
import { RUN_SUMMARY_COLUMNS, RUN_SUMMARY_JOINS, runSummaryOfRow } from './run-stats.js';

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
  /** The run summary of each definition in scope that has runs. */
  runs: Map<string, RunSummary>;
}

export async function readCheckScope(query: Query, filter: CheckScopeFilter): Promise<CheckScope> {
  // One consistent view: a run recorded meanwhile must not count for a definition read before it.
  await query('begin isolation level repeatable read read only');
  try {
    // Thousands of index probes are cheap to run and estimated dear: PostgreSQL's JIT would compile this
    // statement for tens of milliseconds that it never wins back.
    await query('set local jit = off');
    const definitions = await query(
      `select d.name, d.node, d.spec->>'resolvedSchedule' as schedule, d.spec->>'timezone' as timezone, d.enabled,
              d.spec->>'rpo' as rpo, d.spec->>'method' as method, ${RUN_SUMMARY_COLUMNS}
         from pgbackops.definitions d ${RUN_SUMMARY_JOINS}
        where ($1::text is null or d.name = $1) and ($2::text is null or d.node = $2)
          and ($3::text is null or d.node in (select n.name from pgbackops.nodes n where n.spec->>'backupServer' = $3))
        order by d.name collate "C"`,
      [filter.definition ?? null, filter.node ?? null, filter.server ?? null],
    );
    const nodes = await query('select name, spec from pgbackops.nodes');
    const servers = await query('select name, spec from pgbackops.backup_servers');
    const runs = new Map<string, RunSummary>();
    for (const r of definitions.rows) {
      const summary = runSummaryOfRow(r);
      if (summary !== undefined) runs.set(r.name as string, summary);
    }
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
