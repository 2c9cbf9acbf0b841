// Checking a base backup against its backup_manifest while pg_basebackup writes it. The reading is done by a
// process of its own at idle priority (tar-check-process.ts, which says why): every tar of a tablespace
// (base.tar* among them) is read as it grows (follow-file.ts), from the page cache, through one pass that
// hashes the file as written (its sha256 for our manifest.json) and, decompressed, computes each tar member's
// checksum, the one pg_basebackup was asked for (CRC32C, SHA256 or none: tar-members.ts). When pg_basebackup
// has exited, pg_wal.tar* is read the same way (it is rewritten in place while written, so only then; its
// segments are checked by size). Here backup_manifest is then parsed, its own checksum checked, and every file
// it lists compared with the members: present, same size, same checksum (manifest-check.ts). The backup is
// read once and never extracted. pg_verifybackup, which also decodes the WAL with pg_waldump, remains the check
// of `pgbackops verify` (verify-manifest.ts).
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { packagePath } from '../../adapters/fs/package-files.js';
import { startProgram, type StartedProgram } from '../../adapters/os/run-program.js';
import type { ManifestChecksums } from '../../core/model.js';
import type { RunFile } from '../../core/runs/run-record.js';
import { checkTarsAgainstManifest, parseBackupManifest, type BackupTarMembers } from '../../core/methods/basebackup/manifest-check.js';
import { manifestAlgorithmName } from '../../core/methods/basebackup/member-checksum.js';
import type { TarCheckOutput } from './tar-digest.js';
import type { ManifestCheck } from './verify-manifest.js';

export interface StreamCheckResult {
  check: ManifestCheck;
  /** Absolute path -> size and sha256 of the files read (the tars and backup_manifest), for digestTree. */
  digests: Map<string, Omit<RunFile, 'path'>>;
}

/** The tar check's process as scripts/bundle.mjs builds it (dist/bundle/tar-check/main.js). */
const TAR_CHECK_SCRIPT = ['dist', 'bundle', 'tar-check', 'main.js'];

/**
 * glibc's malloc settings for the check's process. Decompression hands out a new 1 MiB buffer per chunk (zlib
 * in Node allocates each output chunk); by default glibc maps each one fresh from the kernel and unmaps it when
 * freed, so every page of every chunk is faulted in again: about a third of the check's CPU was system time for
 * that (0.46 of 1.40 CPU s per GB decompressed, bench/README.md). Served from the heap and kept there once freed,
 * the same few megabytes are reused: 0.32 system CPU s. Other C libraries ignore these variables.
 */
const REUSED_DECOMPRESSION_BUFFERS = { MALLOC_MMAP_THRESHOLD_: String(8 << 20), MALLOC_TRIM_THRESHOLD_: String(128 << 20) };

/** Start it before pg_basebackup, tell it when pg_basebackup exited, then finish() or abandon(). */
export class BackupStreamCheck {
  private reader: StartedProgram | null = null;
  private exited = false;
  private told = false;

  /**
   * @param checksums what pg_basebackup was asked for (--manifest-checksums), computed of every member
   * @param env the check process's environment (the run's marker, so that a sweep of a dead run stops it too)
   */
  constructor(
    private readonly directory: string,
    private readonly checksums: ManifestChecksums,
    private readonly pollMs = 50,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  /** Starts the check's process: it watches the directory (created by pg_basebackup) for tablespace tars and follows each as it appears. */
  start(): this {
    if (this.reader) return this;
    // No dieWithParent: the process stops by itself when this one dies, as its standard input closes then.
    this.reader = startProgram(process.execPath, [packagePath(...TAR_CHECK_SCRIPT), this.directory, this.checksums, String(this.pollMs)], {
      env: { ...this.env, ...REUSED_DECOMPRESSION_BUFFERS }, stdin: 'pipe', stdout: 'pipe', idlePriority: true,
    });
    this.reader.child.stdin?.on('error', () => undefined); // the process is gone: its result says why
    if (this.exited) this.tellExited();
    return this;
  }

  /** The check process's id once started (tests look at its threads' priority). */
  get pid(): number | undefined {
    return this.reader?.child.pid;
  }

  writerExited(): void {
    this.exited = true;
    this.tellExited();
  }

  /** Stops reading (pg_basebackup failed): nothing is checked. */
  async abandon(): Promise<void> {
    if (!this.reader) return;
    this.reader.child.kill('SIGTERM');
    await this.reader.done;
  }

  /** After pg_basebackup succeeded: the rest of every tar, pg_wal.tar, and the comparison with backup_manifest. */
  async finish(walSegmentSize: number): Promise<StreamCheckResult> {
    this.start();
    this.writerExited();
    const result = await this.reader!.done;
    const how = 'pgbackops tar check';
    const digests = new Map<string, Omit<RunFile, 'path'>>();
    const tars: BackupTarMembers[] = [];
    const output = parseOutput(result.stdout);
    if (!output?.tars || result.exitCode !== 0) {
      const why = output?.error ?? `its process ended with ${result.spawnError?.message ?? (result.signal ?? `exit code ${result.exitCode}`)}${result.stderr ? `: ${result.stderr}` : ''}`;
      return { check: { ok: false, how, problem: why }, digests };
    }
    for (const tar of output.tars) {
      digests.set(join(this.directory, tar.name), { bytes: tar.bytes, sha256: tar.sha256 });
      tars.push({ part: tar.part, file: tar.name, members: tar.members });
    }
    const manifestPath = join(this.directory, 'backup_manifest');
    const text = await readFile(manifestPath);
    digests.set(manifestPath, { bytes: text.length, sha256: createHash('sha256').update(text).digest('hex') });
    try {
      const manifest = parseBackupManifest(text.toString('utf8'));
      const report = checkTarsAgainstManifest(manifest, tars, walSegmentSize, this.checksums);
      const wal = report.walSegments ? `; WAL ${report.walSegments.first}${report.walSegments.count > 1 ? ` to ${report.walSegments.last}` : ''} complete` : '';
      const what = this.checksums === 'none' ? 'size (no checksums asked for)' : `size and ${manifestAlgorithmName(this.checksums)}`;
      const summary = `${how} (${report.filesChecked} files: ${what} against backup_manifest${wal})`;
      return { check: { ok: report.problems.length === 0, how: summary, problem: report.problems.length ? report.problems.join('\n') : null }, digests };
    } catch (err) {
      return { check: { ok: false, how, problem: (err as Error).message }, digests };
    }
  }

  /** "exited" on the process's standard input, once: it reads what is left and pg_wal.tar, then answers. */
  private tellExited(): void {
    if (!this.reader || this.told) return;
    this.told = true;
    this.reader.child.stdin?.end('exited\n');
  }
}

function parseOutput(stdout: string): TarCheckOutput | null {
  try {
    return JSON.parse(stdout) as TarCheckOutput;
  } catch {
    return null;
  }
}
