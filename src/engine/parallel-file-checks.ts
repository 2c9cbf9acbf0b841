// The validation of a large configuration with its per-file half spread over threads. What each file says on
// its own (`checkConfigFiles`: YAML parsing, schema, per-document rules) depends on its path and text only,
// so batches of files are checked by worker threads (file-check-worker.ts) and by this thread too, whichever
// is free takes the next batch; the checks come back packed (core/config/file-check-transfer.ts) and are put
// back in path order before the rules across files run here (`combineFileChecks`): diagnostics, objects and
// hashes are those of `validateConfig` byte for byte (test/integration/config/parallel-validate.test.ts).
//
// Why the main thread takes batches too: on a two-core machine one worker and this thread are the two cores;
// a batch this thread checks itself also needs no copy across threads, whose cost is about that of the parse
// it replaces (bench/README.md, "cold validate on two cores").
//
// A worker that fails (cannot start, throws, exits) is dropped and its batches are checked by the others or
// here: the result is the same, only slower.
import { availableParallelism } from 'node:os';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import type { ConfigFile } from '../core/config/config-file.js';
import { unpackBatch, type PackedBatch } from '../core/config/file-check-transfer.js';
import { compareText } from '../core/config/findings.js';
import { checkConfigFiles, combineFileChecks, configRevision, validateConfig, type FileCheck, type ValidateOptions, type ValidationResult } from '../core/config/validate.js';

/** Below this many files a validation stays on one thread: starting a worker (~0.1 s of CPU) would not pay. */
export const PARALLEL_MIN_FILES = 2000;
/** Files per batch: small enough to keep every thread busy to the end, large enough that messages are few. */
const BATCH_FILES = 250;
/** Worker threads at most, besides this thread. */
const MAX_WORKERS = 3;

export interface FileCheckBatch {
  batch: number;
  files: ConfigFile[];
}

export interface FileCheckAnswer {
  batch: number;
  checks: PackedBatch;
}

export interface ParallelOptions {
  /** Files from which workers are used (default PARALLEL_MIN_FILES). */
  minFiles?: number;
  /** Worker threads (default: the cores but one, at most MAX_WORKERS; none: one thread). */
  workers?: number;
  /** The worker's module (tests give one that fails). */
  workerUrl?: URL;
  /** Files per batch (default BATCH_FILES; tests make many small batches). */
  batchFiles?: number;
  /** False: this thread checks batches only when no worker is left (tests: every batch crosses). Default true. */
  checkHere?: boolean;
}

/** `validateConfig`, with the per-file checks of a large configuration spread over worker threads. */
export async function validateConfigInParallel(files: readonly ConfigFile[], options: ValidateOptions = {}, parallel: ParallelOptions = {}): Promise<ValidationResult> {
  // One core: a worker would only add its start and the copies.
  const workers = parallel.workers ?? Math.min(MAX_WORKERS, availableParallelism() - 1);
  if (files.length < (parallel.minFiles ?? PARALLEL_MIN_FILES) || workers < 1) return validateConfig([...files], options);
  const sorted = [...files].sort((a, b) => compareText(a.path, b.path));
  let revision = '';
  // The revision (a sha256 of every text) while the workers start and check their first batches.
  const batchFiles = parallel.batchFiles ?? BATCH_FILES;
  const checks = await checkFilesInParallel(sorted, { workers, batchFiles, workerUrl: parallel.workerUrl ?? defaultWorkerUrl(), checkHere: parallel.checkHere ?? true }, () => (revision = configRevision(sorted)));
  return combineFileChecks(checks, revision, options);
}

/** The files' own checks, in the files' order, from `workers` threads and this one. */
async function checkFilesInParallel(
  files: readonly ConfigFile[],
  how: { workers: number; batchFiles: number; workerUrl: URL; checkHere: boolean },
  meanwhile: () => void,
): Promise<FileCheck[]> {
  const batches: ConfigFile[][] = [];
  for (let i = 0; i < files.length; i += how.batchFiles) batches.push(files.slice(i, i + how.batchFiles));
  const results: (FileCheck[] | undefined)[] = new Array(batches.length);
  const queue = batches.map((_, i) => i);
  let done = 0;
  let wake: (() => void) | undefined;
  const settle = (): void => {
    wake?.();
    wake = undefined;
  };

  const workers = new Set<Worker>();
  const start = (): void => {
    let worker: Worker;
    try {
      worker = new Worker(how.workerUrl);
    } catch {
      return; // its batches stay in the queue for the others and this thread
    }
    // Batches given to this worker and not yet answered: taken back if it fails.
    const given = new Set<number>();
    const give = (): void => {
      const batch = queue.shift();
      if (batch === undefined) return;
      given.add(batch);
      worker.postMessage({ batch, files: batches[batch]! } satisfies FileCheckBatch);
    };
    const drop = (): void => {
      if (!workers.delete(worker)) return;
      queue.unshift(...[...given].filter((b) => results[b] === undefined));
      given.clear();
      void worker.terminate();
      settle();
    };
    worker.on('message', (answer: FileCheckAnswer) => {
      if (results[answer.batch] === undefined) {
        try {
          results[answer.batch] = unpackBatch(batches[answer.batch]!, answer.checks);
        } catch {
          drop(); // an answer that cannot be read: the batch is checked again elsewhere
          return;
        }
        done++;
      }
      given.delete(answer.batch);
      if (workers.has(worker)) give();
      settle();
    });
    worker.on('error', drop);
    worker.on('exit', drop);
    workers.add(worker);
    // Two batches in flight, so that a worker never waits for this thread to answer it.
    give();
    give();
  };
  try {
    for (let i = 0; i < how.workers; i++) start();
    meanwhile();
    while (done < batches.length) {
      const batch = how.checkHere || workers.size === 0 ? queue.shift() : undefined;
      if (batch !== undefined) {
        if (results[batch] === undefined) {
          results[batch] = checkConfigFiles(batches[batch]!);
          done++;
        }
        // Let the workers' answers in (and hand them their next batch) between two batches of our own.
        await yieldToEventLoop();
      } else {
        await new Promise<void>((resolve) => (wake = resolve));
      }
    }
  } finally {
    for (const worker of workers) void worker.terminate();
    workers.clear();
  }
  return results.flatMap((r) => r!);
}

/**
 * The worker's module beside this one: in the bundle (scripts/bundle.mjs builds it as an entry of its own)
 * and in tsc's dist/. Run from the TypeScript sources (the tests), the compiled one in dist/.
 */
function defaultWorkerUrl(): URL {
  const beside = new URL('./file-check-worker.js', import.meta.url);
  if (!import.meta.url.endsWith('.ts') || existsSync(fileURLToPath(beside))) return beside;
  return new URL('../../dist/engine/file-check-worker.js', import.meta.url);
}
