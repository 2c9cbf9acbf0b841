// Which of these paths exist on this machine (files or directories): the history import records a backup
// whose dump is gone as failed rather than as a backup that retention could count on.
import { stat } from 'node:fs/promises';

export async function existingPaths(paths: Iterable<string>): Promise<Set<string>> {
  const out = new Set<string>();
  const list = [...new Set(paths)];
  // A few at a time: thousands of stats on a network mount should not all be in flight at once.
  const BATCH = 64;
  for (let i = 0; i < list.length; i += BATCH) {
    const batch = list.slice(i, i + BATCH);
    const found = await Promise.all(batch.map((p) => stat(p).then(() => true, () => false)));
    batch.forEach((p, j) => { if (found[j]) out.add(p); });
  }
  return out;
}
