// PostgreSQL's backup_manifest (PostgreSQL 13+), which pg_basebackup writes beside the tars: a JSON document
// listing every file of the cluster with its size and checksum, and the WAL range the backup needs.
import { readFile } from 'node:fs/promises';

export interface ManifestWalRange {
  timeline: number;
  startLsn: string;
  endLsn: string;
}

export async function readManifestWalRange(path: string): Promise<ManifestWalRange> {
  const manifest = JSON.parse(await readFile(path, 'utf8')) as { 'WAL-Ranges'?: Array<{ Timeline: number; 'Start-LSN': string; 'End-LSN': string }> };
  const ranges = manifest['WAL-Ranges'] ?? [];
  // A backup taken on a standby whose timeline changed during it has several ranges: the first starts it,
  // the last ends it, and recovery follows the timeline history between them.
  const first = ranges[0];
  const last = ranges[ranges.length - 1];
  if (!first || !last) throw new Error(`${path} has no WAL-Ranges`);
  return { timeline: last.Timeline, startLsn: first['Start-LSN'], endLsn: last['End-LSN'] };
}
