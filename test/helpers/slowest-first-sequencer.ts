// The order test files start in: longest first, so that on two workers no long file starts last and becomes
// the run's critical path (the suite is CPU-bound: the workers finish together only if the long files go first).
//
// Vitest orders by the durations it cached on the previous run; a fresh clone (CI) has no cache, and vitest
// then falls back to file size, which puts e.g. a large, fast unit file before a short, slow integration file.
// This sequencer falls back to test/file-durations.json instead (refreshed by scripts/record-test-durations.mjs),
// and runs files known to neither first, as vitest does (a new file may be long).
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

const recorded: Record<string, number> = JSON.parse(readFileSync(new URL('../file-durations.json', import.meta.url), 'utf8'));

export default class SlowestFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const { cache, config } = this.ctx;
    const seconds = (spec: TestSpecification): number => {
      const file = relative(config.root, spec.moduleId);
      const cached = cache.getFileTestResults(`${spec.project.name}:${file}`);
      if (cached && !cached.failed) return cached.duration / 1000;
      return recorded[file] ?? Number.POSITIVE_INFINITY;
    };
    return [...files].sort((a, b) => seconds(b) - seconds(a));
  }
}
