// Reading what a node's WAL archive (wal-archive-layout.ts) holds at its newest end, from the files' names and
// contents: the newest timeline and segment, the gapless run that ends there, where the valid WAL ends and the
// newest commit or abort record, with its timestamp (pg_waldump of the node's major version reads them). The
// restorable window (src/core/wal/restorable-window.ts) is decided from this and the kept backups. Read-only;
// the files are read through a private temporary directory (pg_waldump opens only plain segment names, so a
// .partial is linked, a compressed segment decompressed there).
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runProgram } from '../../adapters/os/run-program.js';
import { findTool } from '../../adapters/postgres/tools.js';
import { summariseArchive, type ArchiveEntry, type ArchiveSummary } from '../../core/wal/archive-range.js';
import type { ArchiveHead } from '../../core/wal/restorable-window.js';
import { readWaldumpOutput } from '../../core/wal/waldump-output.js';
import { DEFAULT_WAL_SEGMENT_SIZE, formatLsn, parseLsn, walSegmentName } from '../../core/wal/wal-segment.js';
import { fetchArchived, listArchive } from './wal-archive.js';

/** How many segments back from the newest to look for a commit: an idle node writes few of them. */
const SEGMENTS_READ_BACK = 8;

export interface ArchiveHeadOptions {
  /** The node's PostgreSQL major version: pg_waldump reads only its own major's WAL. */
  major: number;
  segmentSize?: number;
  pgBinDirs?: Record<string, string>;
  /** Read this timeline's newest end instead of the newest timeline's (a restore to an older --target-timeline). */
  timeline?: number;
}

/** Remembered per archive while its newest file is unchanged: status, the page and metrics ask often. */
const remembered = new Map<string, { key: string; head: ArchiveHead | null }>();

export async function readArchiveHead(archiveDir: string, options: ArchiveHeadOptions): Promise<ArchiveHead | null> {
  return (await readArchive(archiveDir, options)).head;
}

/** The archive's files summarised (every timeline), and its head: one listing of the directory for both. */
export async function readArchive(archiveDir: string, options: ArchiveHeadOptions): Promise<{ summary: ArchiveSummary; head: ArchiveHead | null }> {
  const size = options.segmentSize ?? DEFAULT_WAL_SEGMENT_SIZE;
  const entries = await listArchive(archiveDir);
  const summary = summariseArchive(entries, size);
  return { summary, head: await headOf(archiveDir, entries, summary, options) };
}

async function headOf(archiveDir: string, entries: readonly ArchiveEntry[], summary: ArchiveSummary, options: ArchiveHeadOptions): Promise<ArchiveHead | null> {
  const size = options.segmentSize ?? DEFAULT_WAL_SEGMENT_SIZE;
  const timeline = options.timeline ?? summary.timelines.at(-1);
  if (timeline === undefined) return null;
  const segments = summary.segments.get(timeline);
  if (!segments) return null;
  let newestSegno = -1n;
  for (const s of segments.keys()) if (s > newestSegno) newestSegno = s;
  const newest = segments.get(newestSegno)!;
  const key = `${newest.file.name}:${newest.mtimeMs}:${entries.length}:${options.major}`;
  const cacheKey = `${archiveDir}\0${options.timeline ?? ''}`;
  const known = remembered.get(cacheKey);
  if (known?.key === key) return known.head;

  let gaplessFromSegno = newestSegno;
  while (segments.has(gaplessFromSegno - 1n)) gaplessFromSegno--;
  const head: ArchiveHead = {
    timeline, segmentSize: size, newestSegno, gaplessFromSegno, partial: newest.file.partial,
    endLsn: formatLsn((newestSegno + 1n) * BigInt(size)), lastTransaction: null, readFromSegno: newestSegno + 1n,
    newestWriteMs: newest.mtimeMs, unreadable: null,
  };
  let waldump: string;
  try {
    waldump = (await findTool('pg_waldump', options.major, options.pgBinDirs)).path;
  } catch (err) {
    head.unreadable = (err as Error).message;
    remembered.set(cacheKey, { key, head });
    return head;
  }
  const work = await mkdtemp(join(tmpdir(), 'pgbackops-wal-head-'));
  try {
    const oldest = newestSegno - BigInt(SEGMENTS_READ_BACK - 1) > gaplessFromSegno ? newestSegno - BigInt(SEGMENTS_READ_BACK - 1) : gaplessFromSegno;
    for (let segno = newestSegno; segno >= oldest; segno--) {
      const file = segments.get(segno)!.file;
      const plain = walSegmentName(timeline, segno, size);
      const source = join(archiveDir, file.name);
      const readable = join(work, plain);
      if (file.compression) await fetchArchived(source, readable);
      else await symlink(source, readable);
      const run = await runProgram(waldump, ['--rmgr=Transaction', plain], { cwd: work, env: { ...process.env, TZ: 'UTC', LC_ALL: 'C' }, timeoutMs: 120_000 });
      await rm(readable, { force: true });
      const found = readWaldumpOutput(run.stdout, run.stderr);
      if (run.exitCode !== 0 && found.validEndLsn === null) {
        head.unreadable = `pg_waldump could not read ${file.name}: ${run.spawnError?.message ?? run.stderr.trim().split('\n').at(-1) ?? `exit ${run.exitCode}`}`;
        break;
      }
      head.readFromSegno = segno;
      // Only the newest file can end before its segment does (pg_receivewal's .partial, zero-filled after the WAL).
      if (segno === newestSegno && found.validEndLsn !== null && parseLsn(found.validEndLsn) > segno * BigInt(size)) head.endLsn = found.validEndLsn;
      if (found.lastTransaction) {
        head.lastTransaction = found.lastTransaction;
        break;
      }
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  if (head.unreadable !== null) head.lastTransaction = null;
  remembered.set(cacheKey, { key, head });
  return head;
}
