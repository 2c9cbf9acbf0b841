// The tar check's own process (started by stream-check.ts for each base backup): follows every tablespace's
// tar while pg_basebackup writes it, and pg_wal.tar once pg_basebackup has exited, computing each tar's sha256
// and its members' sizes and checksums (tar-digest.ts); then prints them as one JSON line and exits.
//
// Why a process of its own, at idle priority: the check reads and decompresses as much as pg_basebackup
// compresses and writes, and in the run's own process it ran at the same priority as pg_basebackup, taking the
// core pg_basebackup's compression and the node's WAL sender needed when they wanted it: on two cores a 1 GB
// backup's copy took 15-20 % longer beside it (bench/README.md, "Basebackup run vs bare pg_basebackup"). Started
// under SCHED_IDLE (stream-check.ts, through `chrt`), it gets a CPU only when nothing else wants one: it keeps
// up with the copy when a core is spare, and catches up after it when none is (the run then ends that much
// later, and its backup counts only once checked). Measured beside pg_basebackup on two cores, the copy took
// 0.26 s longer at idle priority, 0.4-0.5 s at niceness 10 or 19 (bench/README.md). Where chrt is missing, the
// process lowers itself to niceness 19 instead: a nice value belongs to each thread on Linux and a new thread
// takes its creator's, so every thread is lowered before any work starts, and the threads libuv starts later
// for zlib and file reads are lowered too.
//
// Protocol: argv is the backup directory, the checksum algorithm (crc32c, sha256 or none) and the poll
// interval in ms. The parent writes "exited\n" on standard input once pg_basebackup has exited; standard input
// closed without it means the backup was given up (or the parent died): this process stops reading and exits.
// The result on standard output: {"tars":[TarDigest...]} or {"error":"..."}.
import { readdirSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { setPriority } from 'node:os';
import { join } from 'node:path';
import { followFile, type FollowState } from '../../adapters/fs/follow-file.js';
import type { ManifestChecksums } from '../../core/model.js';
import { backupTarPart } from './tar-files.js';
import { digestTar, type TarCheckOutput, type TarDigest } from './tar-digest.js';

/** The check's niceness where it could not be started at idle priority (a SCHED_IDLE thread ignores it). */
const CHECK_NICENESS = 19;

lowerEveryThread(CHECK_NICENESS);
const [directory, algorithm, poll] = process.argv.slice(2) as [string, ManifestChecksums, string];
const pollMs = Number(poll);
let exited = false;
let given = false;
const state: FollowState = { writerDone: () => exited, abandoned: () => given };

const writerExited = new Promise<boolean>((resolve) => {
  let input = '';
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (text: string) => {
    input += text;
    if (input.includes('exited\n')) resolve(true);
  });
  process.stdin.on('end', () => resolve(false));
  process.stdin.on('error', () => resolve(false));
});

void (async () => {
  const following = new Map<string, Promise<TarDigest>>();
  const discover = async (): Promise<void> => {
    for (const name of await readdir(directory).catch(() => [] as string[])) {
      const part = backupTarPart(name);
      if (part === null || part === 'pg_wal' || following.has(name)) continue;
      const path = join(directory, name);
      const digest = digestTar(path, part, followFile(path, state, pollMs), algorithm);
      digest.catch(() => undefined); // awaited below
      following.set(name, digest);
    }
  };
  void writerExited.then((done) => {
    exited = true;
    given = !done;
  });
  while (!exited) {
    await discover();
    await Promise.race([new Promise((r) => setTimeout(r, pollMs)), writerExited]);
  }
  if (given) {
    await Promise.allSettled(following.values());
    process.exit(0);
  }
  let output: TarCheckOutput;
  try {
    await discover();
    const tars = await Promise.all(following.values());
    // pg_basebackup rewrites pg_wal.tar's member headers as it closes each segment: read only now.
    const wal = (await readdir(directory)).find((n) => backupTarPart(n) === 'pg_wal');
    if (wal) tars.push(await digestTar(join(directory, wal), 'pg_wal', followFile(join(directory, wal), state), 'none'));
    output = { tars };
  } catch (err) {
    output = { error: (err as Error).message };
  }
  process.stdout.write(JSON.stringify(output) + '\n', () => process.exit(0));
})();

function lowerEveryThread(niceness: number): void {
  let threads: string[];
  try {
    threads = readdirSync('/proc/self/task');
  } catch {
    threads = ['0']; // no /proc: this thread only, which starts the others
  }
  for (const thread of threads) {
    try {
      setPriority(Number(thread), niceness);
    } catch {
      // A thread that ended meanwhile; a niceness that cannot be set leaves the check at the normal priority.
    }
  }
}
