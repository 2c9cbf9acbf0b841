// Programs run as a shell pipeline runs them (`pg_dumpall | gzip > dump.sql.gz`), without a shell: each
// program's stdout is the next one's stdin, the last one's is the output file, and the data flows between the
// processes through the kernel, never through this one (which would cost its CPU per 64 KiB chunk).
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { startProgram, type ProgramOptions, type ProgramResult, type StartedProgram } from './run-program.js';

export interface PipelineStage {
  file: string;
  args: readonly string[];
  /** As for runProgram, but stdin and stdout, which the pipeline connects. */
  options?: Omit<ProgramOptions, 'stdin' | 'stdout'>;
}

export interface PipelineResult {
  /** Each stage's result, in order. */
  stages: ProgramResult[];
  /**
   * The stage whose failure is the pipeline's, or -1: the last one that failed, because a stage that fails
   * makes the ones before it fail in turn (a write into a closed pipe), while one stopped upstream (a timeout,
   * an abort) only ends the input of the stages after it, which then finish normally.
   */
  failed: number;
}

/** Where the last stage's output goes: a new file (created 0600), or a stream of this process's. */
export type PipelineSink = { file: string } | { onStdout: (stdout: Readable) => void };

/**
 * Runs `stages` into `output`, created 0600 (never an existing file: a dump directory is this run's own).
 */
export function runPipelineToFile(stages: readonly PipelineStage[], output: string): Promise<PipelineResult> {
  return runPipeline(stages, { file: output });
}

/**
 * Runs `stages` into `sink`: a file, or a stream of this process (an encryptor reading a compressed dump).
 * Started from the last stage, so that each stage has the next one's stdin to write to.
 */
export async function runPipeline(stages: readonly PipelineStage[], sink: PipelineSink): Promise<PipelineResult> {
  if (stages.length === 0) throw new Error('a pipeline needs at least one program');
  const file = 'file' in sink ? await open(sink.file, 'wx', 0o600) : null;
  const started: StartedProgram[] = [];
  try {
    for (let i = stages.length - 1; i >= 0; i--) {
      const stage = stages[i]!;
      const next = started[0];
      const first = i === 0;
      const last: Pick<ProgramOptions, 'stdout' | 'onStdout'> = file ? { stdout: file.fd } : { stdout: 'stream', onStdout: (sink as { onStdout: (s: Readable) => void }).onStdout };
      started.unshift(startProgram(stage.file, stage.args, {
        ...stage.options,
        stdin: first ? 'ignore' : 'pipe',
        ...(next ? { stdout: next.child.stdin! } : last),
      }));
      // The stage started holds the next one's stdin now; this process's copy must go, or the next stage
      // would never read the end of its input.
      next?.child.stdin?.destroy();
    }
  } finally {
    // The last stage holds the file; this process never writes to it.
    await file?.close();
  }
  const results = await Promise.all(started.map((s) => s.done));
  let failed = -1;
  results.forEach((r, i) => {
    if (r.exitCode !== 0 || r.signal !== null || r.spawnError !== null || r.timedOut) failed = i;
  });
  return { stages: results, failed };
}
