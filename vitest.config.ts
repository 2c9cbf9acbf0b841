import { defineConfig } from 'vitest/config';
import SlowestFirstSequencer from './test/helpers/slowest-first-sequencer.js';

export default defineConfig({
  test: {
    // Integration tests start real PostgreSQL clusters; give them room on a 2-core machine.
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: 'forks',
    // Three test files at once on two cores: much of an integration test's time is waiting (a cluster's start, cron's
    // next minute, a server's recovery), and with two at once the suite kept 1.3 cores busy. Measured on fresh
    // clones: the suite took 793 s with three against 838 s with two.
    poolOptions: { forks: { maxForks: 3, minForks: 1 } },
    // Longest files first, also on a fresh clone without vitest's duration cache (test/file-durations.json).
    sequence: { sequencer: SlowestFirstSequencer },
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'], globalSetup: ['test/helpers/run-temp-root.ts'] } },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          // Runs only when integration tests are selected: stops at once, naming the Debian packages to
          // install, when PostgreSQL or cron is missing (test/helpers/prerequisites.ts).
          // run-temp-root: every temporary directory of the run under one root, removed at the end. Then one
          // initialised data directory is made there, which every test cluster copies instead of running
          // initdb (test/helpers/cluster-template.ts).
          globalSetup: ['test/helpers/prerequisites.ts', 'test/helpers/run-temp-root.ts', 'test/helpers/cluster-template.ts'],
        },
      },
    ],
  },
});
