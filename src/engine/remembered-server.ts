// The BackupServer spec whose schedule this state directory last converged, one file per server, written
// before every schedule write. When the server is removed from the configuration (and then from the
// catalog), neither says any more where its schedule lives: this is what lets apply and loop 2 find its
// cron.d file, crontab or builtin file and empty it, rather than leave its jobs running.
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../adapters/fs/atomic-write.js';
import type { BackupServerSpec } from '../core/model.js';
import { NAME_PATTERN } from '../core/names.js';

const FORMAT = 'pgbackops-scheduled-server/1';

interface RememberedServerFile {
  format: typeof FORMAT;
  server: string;
  spec: BackupServerSpec;
}

export interface RememberedServer {
  name: string;
  spec: BackupServerSpec;
}

function directory(stateDir: string): string {
  return join(stateDir, 'scheduled-servers');
}

function path(stateDir: string, server: string): string {
  return join(directory(stateDir), `${server}.json`);
}

/** Records `spec` as the schedule target of `server`; no write when it is already recorded. */
export async function rememberScheduledServer(stateDir: string, server: string, spec: BackupServerSpec): Promise<void> {
  const file: RememberedServerFile = { format: FORMAT, server, spec };
  const text = JSON.stringify(file, null, 2) + '\n';
  const current = await readFile(path(stateDir, server), 'utf8').catch(() => null);
  if (current !== text) await writeFileAtomic(path(stateDir, server), text, 0o600);
}

export async function readRememberedServer(stateDir: string, server: string): Promise<RememberedServer | null> {
  let text: string;
  try {
    text = await readFile(path(stateDir, server), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  const file = JSON.parse(text) as Partial<RememberedServerFile>;
  if (file.format !== FORMAT || file.server !== server || !file.spec) {
    throw new Error(`${path(stateDir, server)} is not a ${FORMAT} record of server ${server}; remove it if the server's schedule is already gone`);
  }
  return { name: server, spec: file.spec };
}

/** Every server this state directory has converged a schedule for. */
export async function readRememberedServers(stateDir: string): Promise<RememberedServer[]> {
  let names: string[];
  try {
    names = (await readdir(directory(stateDir)))
      .filter((n) => n.endsWith('.json'))
      .map((n) => n.slice(0, -'.json'.length))
      .filter((n) => NAME_PATTERN.test(n))
      .sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const out: RememberedServer[] = [];
  for (const name of names) {
    const remembered = await readRememberedServer(stateDir, name);
    if (remembered) out.push(remembered);
  }
  return out;
}
