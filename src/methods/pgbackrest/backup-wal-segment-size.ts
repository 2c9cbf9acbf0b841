// The WAL segment size of the cluster a pgBackRest backup copied (initdb --wal-segsize: 1 MiB to 1 GiB), read
// from the backup's own pg_control in the repository: `pgbackrest info` does not say it, and the restore plan
// needs it before anything is restored, to know where the archive's last segment ends (an LSN target after it
// is refused). `pgbackrest repo-get` fetches the file (decrypted when the repository is), this process
// decompresses it into a scratch data directory, and pg_controldata of the backup's major version reads it.
// pg_control changes at every checkpoint and a backup starts with one, so each backup holds its own copy; a
// backup that references it from an earlier one (`reference`) is read there. Read-only; null when unknown.
import { closeSync, openSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { controlDataWalSegmentSize } from '../physical/wal-segment-size.js';
import { runPgbackrest, succeeded, type PgbackrestInvocation } from './run-pgbackrest.js';

export interface BackupInRepository {
  stanza: string;
  label: string;
  /** Labels of the earlier backups this one takes unchanged files from, as `pgbackrest info` lists them. */
  reference: readonly string[];
  /** The server's major version (the backup's pg_controldata must be of it). */
  major: number;
}

/** pg_control's names in a backup: gzip (pgBackRest's default compress-type) or not compressed. */
const CONTROL_FILES = [{ name: 'pg_control.gz', gzip: true }, { name: 'pg_control', gzip: false }] as const;

export async function backupWalSegmentSize(how: PgbackrestInvocation, backup: BackupInRepository, binDirs: Record<string, string> | undefined): Promise<number | null> {
  const scratch = await mkdtemp(join(tmpdir(), 'pgbackops-pgcontrol-'));
  try {
    const fetched = join(scratch, 'fetched');
    for (const label of [backup.label, ...[...backup.reference].reverse()]) {
      for (const file of CONTROL_FILES) {
        if (!(await repoGet(how, `backup/${backup.stanza}/${label}/pg_data/global/${file.name}`, fetched))) continue;
        const raw = await readFile(fetched);
        if (raw.length === 0) continue; // --ignore-missing: not there
        await mkdir(join(scratch, 'data', 'global'), { recursive: true });
        await writeFile(join(scratch, 'data', 'global', 'pg_control'), file.gzip ? gunzipSync(raw) : raw);
        return await controlDataWalSegmentSize(join(scratch, 'data'), backup.major, binDirs);
      }
    }
    return null;
  } catch {
    return null;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** The repository file into `destination` (written through a descriptor this process opened: pgBackRest may run as another user). */
async function repoGet(how: PgbackrestInvocation, path: string, destination: string): Promise<boolean> {
  const fd = openSync(destination, 'w', 0o600);
  try {
    const result = await runPgbackrest('repo-get', ['--ignore-missing'], { ...how, stdout: fd }, [path]);
    return succeeded(result);
  } finally {
    closeSync(fd);
  }
}
