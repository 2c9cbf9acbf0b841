// The pgbackrest method's prerequisites for one node, checked from this backup server: pgbackrest is
// installed, the node's stanza exists in the repository, its archive_command pushes to that stanza with the
// server's configuration file, and `pgbackrest check` passes. Read-only on the node.
import pg from 'pg';
import { nodeClientConfig } from '../../adapters/postgres/node-connection.js';
import { archiveCommandProblem } from '../../core/methods/pgbackrest/archive-command.js';
import { parseStanzaInfo } from '../../core/methods/pgbackrest/info.js';
import type { CheckTarget, PrerequisiteCheck } from '../method.js';
import { pgbackrestFailure, runPgbackrest, succeeded, type PgbackrestInvocation } from './run-pgbackrest.js';
import { pgbackrestInvocation } from './server-files.js';

const CONNECT_TIMEOUT_MS = 10_000;

export async function checkPgbackrestPrerequisites(target: CheckTarget): Promise<PrerequisiteCheck[]> {
  const { node } = target;
  const stanza = node.pgbackrest?.stanza;
  if (!target.server) {
    return [{ name: 'pgbackrest', ok: false, detail: 'not checked: the backup server of the node is not known here (its configuration file is under its backup root)' }];
  }
  if (stanza === undefined) {
    return [{ name: 'stanza', ok: false, detail: `node ${node.name} declares no pgbackrest stanza: add pgbackrest: { pgPath: <its data directory> } to the Node` }];
  }
  const how = await pgbackrestInvocation(target.server.stateDir, target.server.spec);
  const version = await runPgbackrest('version', [], how);
  if (!succeeded(version)) return [{ name: 'pgbackrest', ok: false, detail: pgbackrestFailure(version).detail }];
  return [
    { name: 'pgbackrest', ok: true, detail: version.stdout.trim() },
    await stanzaCheck(how, stanza),
    await archiveCheck(target, how.config, stanza),
    await pgbackrestCheck(how, stanza),
  ];
}

async function stanzaCheck(how: PgbackrestInvocation, stanza: string): Promise<PrerequisiteCheck> {
  const info = await runPgbackrest('info', [`--stanza=${stanza}`, '--output=json'], how);
  if (!succeeded(info)) return { name: 'stanza', ok: false, detail: pgbackrestFailure(info).detail };
  const parsed = parseStanzaInfo(info.stdout, stanza);
  // 1: the stanza's directories are missing (never created); 2 (no backups yet) and 0 are fine.
  if (parsed.statusCode === 1) return { name: 'stanza', ok: false, detail: `stanza ${stanza} does not exist in the repository (${parsed.statusMessage}): pgbackops apply runs stanza-create` };
  return { name: 'stanza', ok: true, detail: `stanza ${stanza}: ${parsed.statusMessage}, ${parsed.backups.length} backup(s)` };
}

async function archiveCheck(target: CheckTarget, config: string, stanza: string): Promise<PrerequisiteCheck> {
  const { node } = target;
  const client = new pg.Client({ ...nodeClientConfig(node, node.maintenanceDatabase), connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const mode = (await client.query<{ archive_mode: string }>('show archive_mode')).rows[0]!.archive_mode;
    const command = (await client.query<{ archive_command: string }>('show archive_command')).rows[0]!.archive_command;
    const problem = archiveCommandProblem(mode, command, config, stanza);
    return problem ? { name: 'archive_command', ok: false, detail: problem } : { name: 'archive_command', ok: true, detail: `archive_command pushes to stanza ${stanza}` };
  } catch (err) {
    return { name: 'archive_command', ok: false, detail: `cannot read archive_command on node ${node.name}: ${(err as Error).message}` };
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function pgbackrestCheck(how: PgbackrestInvocation, stanza: string): Promise<PrerequisiteCheck> {
  const result = await runPgbackrest('check', [`--stanza=${stanza}`], how);
  return succeeded(result)
    ? { name: 'pgbackrest check', ok: true, detail: `pgbackrest check --stanza=${stanza} passed` }
    : { name: 'pgbackrest check', ok: false, detail: pgbackrestFailure(result).detail };
}
