// How far the processes of this process tree have read a backup's files, for the progress line of a restore
// (docs/cli.md#progress). The tools read the files themselves (pg_restore, age, gzip/zstd, tar), so the count
// comes from Linux's /proc, as the `progress` tool of coreutils' fame does:
// - 'positions': the offset of every file descriptor open on one of the files (/proc/PID/fdinfo/FD "pos"),
//   the furthest seen per file. Right for a tool that reads a file from start to end (age, a decompressor, tar,
//   psql's input read by this process).
// - 'read-counters': the bytes each process that holds one of the files open has read in all (/proc/PID/io
//   "rchar"), summed over those processes. For pg_restore: it seeks in a custom archive, reads a directory
//   archive file by file, and with --jobs its workers read different parts of the archive at once, so no single
//   position says how much was read; its read counter does (it reads little else: a few bytes of server replies).
// A file is matched by device and inode (a path through a symbolic link is the same file). Without /proc
// (not Linux) nothing is reported: the line then shows the elapsed time only.
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

export type ReadMeasure = 'positions' | 'read-counters';

export interface FileReadsWatch {
  /** Stops sampling; no callback is made after it. */
  stop(): void;
}

export interface FileReadsOptions {
  measure: ReadMeasure;
  /** Also this process's own descriptors ('positions' only): a file this process streams to a tool. */
  includeSelf: boolean;
  intervalMs?: number;
}

/**
 * Samples, every `intervalMs` (and once at once), how many bytes of `paths` (files, or directories: every file
 * under them) the processes of this tree have read, and calls `onBytes(read, total)` when it changed; `total`
 * is the files' size. A reader that has exited keeps its last count (its file was read that far at least).
 */
export async function watchFileReads(paths: readonly string[], options: FileReadsOptions, onBytes: (read: number, total: number) => void): Promise<FileReadsWatch> {
  const files = new Map<string, number>(); // "dev:ino" -> size
  for (const path of paths) await collectFiles(path, files);
  const total = [...files.values()].reduce((a, b) => a + b, 0);
  const furthest = new Map<string, number>(); // 'positions': "dev:ino" -> furthest offset seen
  const readers = new Map<number, number>(); // 'read-counters': pid -> its last rchar
  let stopped = false;
  let last = -1;
  const sample = async () => {
    const pids = await descendantsOf(process.pid);
    if (options.includeSelf && options.measure === 'positions') pids.push(process.pid);
    for (const pid of pids) {
      const open = await descriptorsOn(pid, files);
      if (options.measure === 'positions') {
        for (const { fd, file } of open) {
          const pos = await fdPosition(pid, fd);
          if (pos !== null) furthest.set(file, Math.max(furthest.get(file) ?? 0, Math.min(pos, files.get(file)!)));
        }
      } else if (open.length > 0 || readers.has(pid)) {
        const rchar = await readCounter(pid);
        if (rchar !== null) readers.set(pid, Math.max(readers.get(pid) ?? 0, rchar));
      }
    }
    const source = options.measure === 'positions' ? furthest : readers;
    const read = Math.min(total, [...source.values()].reduce((a, b) => a + b, 0));
    if (!stopped && read !== last) {
      last = read;
      onBytes(read, total);
    }
  };
  let running = false;
  const tick = () => {
    if (running || stopped) return; // a slow /proc read is not stacked up
    running = true;
    void sample().catch(() => undefined).finally(() => { running = false; });
  };
  const timer = setInterval(tick, options.intervalMs ?? 500).unref();
  tick();
  return {
    stop() {
      stopped = true;
      clearInterval(timer);
    },
  };
}

async function collectFiles(path: string, into: Map<string, number>): Promise<void> {
  const st = await stat(path).catch(() => null);
  if (!st) return;
  if (st.isDirectory()) {
    for (const name of await readdir(path).catch(() => [])) await collectFiles(join(path, name), into);
  } else if (st.isFile()) {
    into.set(`${st.dev}:${st.ino}`, st.size);
  }
}

/** Every process whose chain of parents leads to `root` (read from /proc/PID/stat's ppid). */
async function descendantsOf(root: number): Promise<number[]> {
  const parents = new Map<number, number[]>();
  for (const name of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(name)) continue;
    const text = await readFile(`/proc/${name}/stat`, 'utf8').catch(() => null);
    if (text === null) continue;
    // "pid (comm) S ppid ...": comm may hold spaces and parentheses, so the fields are read after the last ')'.
    const ppid = Number(text.slice(text.lastIndexOf(')') + 2).split(' ')[1]);
    parents.set(ppid, [...(parents.get(ppid) ?? []), Number(name)]);
  }
  const out: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    for (const child of parents.get(queue.shift()!) ?? []) {
      out.push(child);
      queue.push(child);
    }
  }
  return out;
}

/** The descriptors of `pid` open on one of `files` ("dev:ino" keys); none when it is gone or not ours to read. */
async function descriptorsOn(pid: number, files: ReadonlyMap<string, number>): Promise<Array<{ fd: string; file: string }>> {
  const out: Array<{ fd: string; file: string }> = [];
  for (const fd of await readdir(`/proc/${pid}/fd`).catch(() => [] as string[])) {
    const st = await stat(`/proc/${pid}/fd/${fd}`).catch(() => null);
    if (!st?.isFile()) continue;
    const key = `${st.dev}:${st.ino}`;
    if (files.has(key)) out.push({ fd, file: key });
  }
  return out;
}

async function fdPosition(pid: number, fd: string): Promise<number | null> {
  const text = await readFile(`/proc/${pid}/fdinfo/${fd}`, 'utf8').catch(() => null);
  const pos = text === null ? null : /^pos:\s*(\d+)/m.exec(text)?.[1];
  return pos === undefined || pos === null ? null : Number(pos);
}

async function readCounter(pid: number): Promise<number | null> {
  const text = await readFile(`/proc/${pid}/io`, 'utf8').catch(() => null);
  const rchar = text === null ? null : /^rchar:\s*(\d+)/m.exec(text)?.[1];
  return rchar === undefined || rchar === null ? null : Number(rchar);
}
