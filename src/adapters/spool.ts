// The local spool: run records written while the catalog was unreachable, one JSON file per record,
// written atomically. `maintain` ingests them exactly once (the catalog upserts by run id, then the file
// is removed); a record the catalog rejects moves to quarantine/ with the reason, never retried forever.
import { mkdir, readdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_BACKUP_METHOD } from '../core/model.js';
import type { RunRecord } from '../core/runs/run-record.js';
import { writeFileAtomic } from './fs/atomic-write.js';

export function spoolDir(stateDir: string): string {
  return join(stateDir, 'spool');
}

export async function spoolRecord(stateDir: string, record: RunRecord): Promise<string> {
  const path = join(spoolDir(stateDir), `${record.id}.json`);
  await writeFileAtomic(path, JSON.stringify(record, null, 2) + '\n', 0o600);
  return path;
}

export interface SpooledRecord {
  path: string;
  record: RunRecord | null;
  /** Why the file could not be read as a record. */
  error?: string;
}

export async function listSpool(stateDir: string): Promise<SpooledRecord[]> {
  let names: string[];
  try {
    names = (await readdir(spoolDir(stateDir))).filter((n) => n.endsWith('.json') && !n.startsWith('.')).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const out: SpooledRecord[] = [];
  for (const name of names) {
    const path = join(spoolDir(stateDir), name);
    try {
      const record = JSON.parse(await readFile(path, 'utf8')) as RunRecord;
      if (typeof record.id !== 'string' || typeof record.definition !== 'string') throw new Error('missing id or definition');
      out.push({ path, record: withEncryption(withMethod(record)) });
    } catch (err) {
      out.push({ path, record: null, error: (err as Error).message });
    }
  }
  return out;
}

/** A record spooled by a version before backup methods has none: every run then was a logical one. */
function withMethod(record: RunRecord): RunRecord {
  const written = record as Partial<Pick<RunRecord, 'method' | 'methodFacts'>>;
  return written.method === undefined ? { ...record, method: DEFAULT_BACKUP_METHOD, methodFacts: null } as RunRecord : record;
}

/** A record spooled by a version before encryption has none: its files were not encrypted. */
function withEncryption(record: RunRecord): RunRecord {
  return (record as Partial<RunRecord>).encryption === undefined ? { ...record, encryption: null } : record;
}

export async function removeSpooled(path: string): Promise<void> {
  await unlink(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
  });
}

export async function quarantine(stateDir: string, path: string, reason: string): Promise<void> {
  const dir = join(spoolDir(stateDir), 'quarantine');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const base = path.split('/').pop()!;
  await rename(path, join(dir, base));
  await writeFile(join(dir, `${base}.reason.txt`), `${new Date().toISOString()} ${reason}\n`, { mode: 0o600 });
}
