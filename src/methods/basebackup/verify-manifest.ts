// Checking a base backup against its backup_manifest with PostgreSQL's own pg_verifybackup, for `pgbackops
// verify`. PostgreSQL 15's pg_verifybackup reads only a plain-format backup, so the tars are extracted into a
// scratch directory first (base.tar at its root, pg_wal.tar in pg_wal/), which is removed afterwards. This is
// the full check: every file's size and SHA256 against the manifest, the manifest's own checksum, and with
// pg_waldump every WAL record the backup needs. It costs a second write of the backup (the scratch copy),
// which is why a run checks the files itself while they are written (stream-check.ts) and leaves this to verify.
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { findTool } from '../../adapters/postgres/tools.js';
import { runProgram } from '../../adapters/os/run-program.js';
import { extractBackup } from './tar-files.js';

export interface ManifestCheck {
  ok: boolean;
  /** How it was checked, for the record ("pg_verifybackup 15.13"). */
  how: string;
  problem: string | null;
}

/** @param scratch a directory that does not exist yet, on a filesystem with room for the extracted backup */
export async function verifyWithPgVerifybackup(directory: string, scratch: string, serverMajor: number, binDirs?: Record<string, string>, abort?: AbortSignal): Promise<ManifestCheck> {
  const tool = await findTool('pg_verifybackup', serverMajor, binDirs);
  await mkdir(scratch, { mode: 0o700 });
  try {
    // A tablespace where backup_manifest lists its files: pg_tblspc/<OID>/ (pg_verifybackup follows no link).
    await extractBackup(directory, scratch, {
      ...(abort ? { abort } : {}),
      tablespace: (oid) => join(scratch, 'pg_tblspc', oid),
    });
    const result = await runProgram(tool.path, ['--quiet', `--manifest-path=${join(directory, 'backup_manifest')}`, scratch], {
      env: { ...process.env, LC_MESSAGES: 'C' },
      ...(abort ? { abort } : {}),
    });
    const how = `pg_verifybackup ${tool.version}`;
    if (result.exitCode === 0) return { ok: true, how, problem: null };
    return { ok: false, how, problem: (result.spawnError?.message ?? result.stderr.trim()) || `exit ${result.exitCode ?? result.signal}` };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
