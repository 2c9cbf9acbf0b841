// The logical method's prerequisites on a node, checked from this backup server: it can connect, and it has
// client tools new enough for the node's server (pg_dump refuses a newer server; pg_restore must read what
// pg_dump wrote). Read-only: nothing is created or changed on the node.
import pg from 'pg';
import { nodeClientConfig } from '../../adapters/postgres/node-connection.js';
import { findTool, serverMajor, type PgToolName } from '../../adapters/postgres/tools.js';
import type { CheckTarget, PrerequisiteCheck } from '../method.js';

/** Connect timeout: an unreachable node is reported rather than waited for. */
const CONNECT_TIMEOUT_MS = 10_000;
const TOOLS: readonly PgToolName[] = ['pg_dump', 'pg_dumpall', 'pg_restore', 'psql'];

export async function checkLogicalPrerequisites(target: CheckTarget): Promise<PrerequisiteCheck[]> {
  const { node } = target;
  const database = node.maintenanceDatabase;
  const client = new pg.Client({ ...nodeClientConfig(node, database), connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  client.on('error', () => undefined);
  let server: { major: number; version: string };
  try {
    await client.connect();
    server = await serverMajor(client);
  } catch (err) {
    const connection = { name: 'connection', ok: false, detail: `cannot connect to node ${node.name} (${node.host}:${node.port}, user ${node.user}, database ${database}): ${(err as Error).message}` };
    // Without the server's version no tool can be judged: say so rather than guess.
    return [connection, ...TOOLS.map((name) => ({ name, ok: false, detail: `not checked: the node's server version is unknown` }))];
  } finally {
    await client.end().catch(() => undefined);
  }
  const checks: PrerequisiteCheck[] = [
    { name: 'connection', ok: true, detail: `connected to node ${node.name} (${node.host}:${node.port}, user ${node.user}, database ${database}): PostgreSQL ${server.version}` },
  ];
  for (const name of TOOLS) {
    // psql only needs to speak to the server; the others must be at least its major version.
    const tool = await findTool(name, name === 'psql' ? 0 : server.major, target.pgBinDirs).catch((err: Error) => err);
    checks.push(tool instanceof Error
      ? { name, ok: false, detail: tool.message }
      : { name, ok: true, detail: `${tool.path} (${tool.version}) for a PostgreSQL ${server.version} server` });
  }
  return checks;
}
