// The integration tests' global setup (test/helpers/prerequisites.ts): with `crontab` missing from PATH, a
// run that selects an integration test stops before any test with one message naming the Debian package,
// and exits non-zero; a run of unit tests alone does not need cron and is not stopped.
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const VITEST = join(ROOT, 'node_modules', 'vitest', 'vitest.mjs');
// A PATH with node and nothing else: no crontab, no cron.
const bin = mkdtempSync(join(tmpdir(), 'pgbackops-no-cron-'));
symlinkSync(process.execPath, join(bin, 'node'));
afterAll(() => rmSync(bin, { recursive: true, force: true }));

function vitest(file: string) {
  return execa(process.execPath, [VITEST, 'run', file], { cwd: ROOT, reject: false, all: true, env: { PATH: bin, CI: '1' }, extendEnv: false });
}

describe('integration test prerequisites', () => {
  it('stop a run of integration tests at once when crontab is missing, naming the package, once', async () => {
    const run = await vitest('test/integration/schedule/crontab-failures.test.ts');
    expect(run.exitCode).toBe(1);
    expect(run.all).toContain('`crontab` on PATH (Debian package: cron)');
    expect(run.all).toContain('apt-get install cron');
    expect(run.all.match(/need programs that are not installed/g)).toHaveLength(1);
    expect(run.all).not.toMatch(/ENOENT|✓|×|Test Files/);
  });

  it('do not stop a run of unit tests', async () => {
    const run = await vitest('test/unit/retention/run-columns.test.ts');
    expect(run.all).not.toContain('not installed');
    expect(run.exitCode, run.all).toBe(0);
  });
});
