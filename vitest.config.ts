import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Integration tests start real PostgreSQL clusters; give them room on a 2-core machine. Three files at
    // once on two cores: much of an integration test is waiting (cron's minute, a daemon's poll, PostgreSQL's
    // I/O), and two workers left the cores idle for a third of the suite.
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: 'forks',
    poolOptions: { forks: { maxForks: 3, minForks: 1 } },
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          // Runs only when integration tests are selected: stops at once, naming the Debian packages to
          // install, when PostgreSQL or cron is missing (test/helpers/prerequisites.ts).
          globalSetup: ['test/helpers/prerequisites.ts'],
        },
      },
    ],
  },
});
