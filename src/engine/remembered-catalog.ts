// The catalog a server uses, remembered in its state directory at apply time, so that jobs started by cron
// (which only pass --state-dir) record into the same catalog. Stored without any password: the job's
// password comes from libpq (passfile, PGPASSFILE, service), like every other connection of pgbackops.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../adapters/fs/atomic-write.js';

interface Remembered {
  url: string | null;
}

function path(stateDir: string): string {
  return join(stateDir, 'catalog.json');
}

export function readRememberedCatalog(stateDir: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(path(stateDir), 'utf8')) as Remembered).url ?? undefined;
  } catch {
    return undefined;
  }
}

export async function rememberCatalog(stateDir: string, url: string | undefined): Promise<void> {
  const remembered: Remembered = { url: url ? withoutPassword(url) : null };
  await writeFileAtomic(path(stateDir), JSON.stringify(remembered) + '\n', 0o600);
}

function withoutPassword(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.password = '';
    return parsed.toString();
  } catch {
    return url;
  }
}
