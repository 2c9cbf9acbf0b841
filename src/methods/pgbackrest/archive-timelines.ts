// The timelines of a stanza's WAL archive in pgBackRest's repository, for the restore plan's timeline check
// (src/core/methods/pgbackrest/restore-plan.ts): pgBackRest keeps each segment under a directory named by its
// timeline and log id (`archive/<stanza>/<archive id>/0000000200000000/`) and each `<TLI>.history` file beside
// those directories. The history files are read by the basebackup method's reader (the same format, plain or
// gzip-compressed). The repository is the one pgbackops configured, under the backup root (docs/pgbackrest.md).
// Read-only; null when the archive's directory cannot be listed.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { PgbackrestRestoreInput } from '../../core/methods/pgbackrest/restore-plan.js';
import { parseWalFileName } from '../../core/wal/wal-segment.js';
import { readTimelineHistories } from '../basebackup/timeline-histories.js';

/** pgBackRest's directory of one timeline's segments: the first 16 hex digits of their names. */
const SEGMENT_DIRECTORY = /^([0-9A-F]{8})[0-9A-F]{8}$/;

export async function readArchiveTimelines(repository: string, stanza: string, archiveId: string | null): Promise<PgbackrestRestoreInput['timelines']> {
  if (archiveId === null) return null;
  const directory = join(repository, 'archive', stanza, archiveId);
  let names: string[];
  try {
    names = await readdir(directory);
  } catch {
    return null;
  }
  const timelines = new Set<number>();
  const histories = new Set<number>();
  for (const name of names) {
    const segments = SEGMENT_DIRECTORY.exec(name);
    if (segments) timelines.add(parseInt(segments[1]!, 16));
    const file = parseWalFileName(name.replace(/\.(gz|lz4|zst|bz2)$/, ''));
    if (file?.kind === 'history') histories.add(file.timeline);
  }
  const archive = { timelines: [...timelines].sort((a, b) => a - b), histories: [...histories].sort((a, b) => a - b) };
  const read = await readTimelineHistories(directory, archive);
  return { archive, histories: read.histories, problems: read.problems };
}
