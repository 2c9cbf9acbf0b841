// The `.history` files of a node's WAL archive, read and parsed (src/core/wal/timeline-history.ts): which
// timeline branched from which, and where. Both writers store them (PostgreSQL's archive_command archives the
// history file a promotion writes; pg_receivewal fetches it when the server it streams from changes timeline);
// compressed ones are read through wal-fetch's decompression. Read-only.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ArchiveSummary } from '../../core/wal/archive-range.js';
import { historyFileName, parseTimelineHistory, type TimelineHistories, type TimelineSwitch } from '../../core/wal/timeline-history.js';
import { fetchArchived, findArchived } from './wal-archive.js';

export interface ReadHistories {
  histories: TimelineHistories;
  /** History files that could not be read or parsed: recovery could not follow their timelines either. */
  problems: string[];
}

export async function readTimelineHistories(archiveDir: string, summary: Pick<ArchiveSummary, 'histories'>): Promise<ReadHistories> {
  const histories = new Map<number, TimelineSwitch[]>();
  const problems: string[] = [];
  let work: string | null = null;
  try {
    for (const timeline of summary.histories) {
      const name = historyFileName(timeline);
      try {
        const source = await findArchived(archiveDir, name);
        if (source === null) continue;
        let path = source;
        if (source !== join(archiveDir, name)) {
          work ??= await mkdtemp(join(tmpdir(), 'pgbackops-history-'));
          path = join(work, name);
          await fetchArchived(source, path);
        }
        histories.set(timeline, parseTimelineHistory(await readFile(path, 'utf8')));
      } catch (err) {
        problems.push(`${name}: ${(err as Error).message}`);
      }
    }
  } finally {
    if (work) await rm(work, { recursive: true, force: true });
  }
  return { histories, problems };
}
