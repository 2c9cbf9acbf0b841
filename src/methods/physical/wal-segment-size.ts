// The WAL segment size of a restored data directory, read with pg_controldata of its major version: a
// cluster initdb'ed with --wal-segsize has segments of 1 MiB to 1 GiB, and recovery progress (which counts
// segments replayed) must use it. pgBackRest's info does not say it; the restored pg_control does.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runProgram } from '../../adapters/os/run-program.js';
import { findTool } from '../../adapters/postgres/tools.js';
import { walSegmentSizeOfControlData } from '../../core/wal/wal-segment.js';

/** null when it cannot be read (no pg_controldata of that major, unreadable pg_control). */
export async function restoredWalSegmentSize(dataDirectory: string, binDirs: Record<string, string> | undefined): Promise<number | null> {
  try {
    const major = Number((await readFile(join(dataDirectory, 'PG_VERSION'), 'utf8')).trim());
    return await controlDataWalSegmentSize(dataDirectory, major, binDirs);
  } catch {
    return null;
  }
}

/** The same of a directory holding global/pg_control of a known major version (a backup's copy of it). */
export async function controlDataWalSegmentSize(dataDirectory: string, major: number, binDirs: Record<string, string> | undefined): Promise<number | null> {
  try {
    const tool = await findTool('pg_controldata', major, binDirs);
    if (tool.major !== major) return null;
    // LC_ALL=C: the line is looked for in English.
    const out = await runProgram(tool.path, [dataDirectory], { env: { ...process.env, LC_ALL: 'C' } });
    return out.exitCode === 0 ? walSegmentSizeOfControlData(out.stdout) : null;
  } catch {
    return null;
  }
}
