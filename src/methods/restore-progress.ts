// The progress a restore reports while it runs (RestoreProgress in method.ts; the CLI draws it on a TTY,
// docs/cli.md#progress), shared by the methods: the bytes of the backup's files the loading or extracting
// tools have read (adapters/os/file-reads.ts), the bytes a tool has written into the target directory
// (adapters/fs/directory-bytes.ts), and recovery's WAL position read from the server's log.
import { watchDirectoryBytes } from '../adapters/fs/directory-bytes.js';
import { watchFileReads, type ReadMeasure } from '../adapters/os/file-reads.js';
import { recoveryProgress } from '../core/restore/recovery-progress.js';
import type { RestoreProgressListener } from './method.js';

/**
 * Runs `work` while telling `listener` how much of `paths` has been read (step `step`); without a listener it
 * only runs `work`. This process's own reads count too (`includeSelf`) unless it reads the files for another
 * purpose meanwhile (the hash of a base backup's tars beside tar's read).
 */
export async function whileReading<T>(
  listener: RestoreProgressListener | undefined, step: string, paths: readonly string[], measure: ReadMeasure, includeSelf: boolean, work: () => Promise<T>,
): Promise<T> {
  if (!listener) return work();
  const watch = await watchFileReads(paths, { measure, includeSelf }, (bytes, total) => listener({ step, bytes, total }));
  try {
    return await work();
  } finally {
    watch.stop();
  }
}

/** Runs `work` while telling `listener` the bytes under `dir` against `total` (step `step`). */
export async function whileWriting<T>(listener: RestoreProgressListener | undefined, step: string, dir: string, total: number | null, work: () => Promise<T>): Promise<T> {
  if (!listener) return work();
  listener({ step, bytes: null, total });
  const watch = watchDirectoryBytes(dir, (bytes) => listener({ step, bytes, total }), 500);
  try {
    return await work();
  } finally {
    watch.stop();
  }
}

/** A listener of the recovering server's log (startRestoredCluster's onLog) that reports WAL replayed. */
export function recoveryListener(
  listener: RestoreProgressListener | undefined, from: string | null, target: string | null, segmentSize: number,
): ((log: string) => void) | undefined {
  if (!listener) return undefined;
  const step = target === null ? 'recovery' : `recovery to ${target}`;
  let last = '';
  return (log) => {
    const p = recoveryProgress(log, from, target, segmentSize);
    const key = `${p.reached}`;
    if (key === last) return;
    last = key;
    listener({ step, bytes: p.bytes, total: p.total, ...(p.reached !== null ? { at: p.reached } : {}) });
  };
}
