// How many bytes the files under a directory hold, sampled while a tool writes them (a pgBackRest restore into
// DIR: docs/cli.md#progress). Sizes as the files report them (st_size), summed over the tree; symbolic links
// are not followed. A file that goes away between the listing and its stat counts for nothing.
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';

export interface DirectoryBytesWatch {
  /** Stops sampling; no callback is made after it. */
  stop(): void;
}

/** Calls `onBytes` with the bytes under `dir` every `intervalMs` (and at once) when they changed. */
export function watchDirectoryBytes(dir: string, onBytes: (bytes: number) => void, intervalMs = 1000): DirectoryBytesWatch {
  let stopped = false;
  let running = false;
  let last = -1;
  const tick = () => {
    if (running || stopped) return;
    running = true;
    void bytesUnder(dir).then((bytes) => {
      if (!stopped && bytes !== last) {
        last = bytes;
        onBytes(bytes);
      }
    }).catch(() => undefined).finally(() => { running = false; });
  };
  const timer = setInterval(tick, intervalMs).unref();
  tick();
  return {
    stop() {
      stopped = true;
      clearInterval(timer);
    },
  };
}

export async function bytesUnder(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) total += await bytesUnder(path);
    else if (entry.isFile()) total += (await lstat(path).catch(() => null))?.size ?? 0;
  }
  return total;
}
