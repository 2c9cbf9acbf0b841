// A step of a method failed in a way the method already classified (a tool's exit, a failed verification):
// thrown inside a run or restore and caught by it, which records the classified failure as is. Never reaches
// the CLI, so it has no runtime error code (src/core/errors.ts).
import { classifyJobError, type ClassifiedFailure } from '../core/dump/classify-failure.js';

export class StepFailedError extends Error {
  constructor(readonly failure: ClassifiedFailure) {
    super(failure.detail);
  }
}

/** What a run records for an error its steps threw: the classified failure, or the error classified now. */
export function failureOf(err: unknown): ClassifiedFailure {
  return err instanceof StepFailedError ? err.failure : classifyJobError(err as Error & { code?: unknown; path?: unknown });
}
