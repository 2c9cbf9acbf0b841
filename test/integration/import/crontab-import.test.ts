// `pgbackops import crontab --file` end to end through the built CLI: a cron.d file with the real shapes of
// hand-written pg_dump lines (quoted arguments, environment assignments, redirections, pipes, && chains,
// $(date) file names, passwords) -> a configuration directory that validates and plans against an empty
// catalog, the same files every time, no password anywhere in it, and a report of what was not imported.
import { readdirSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyConverged, pgbackops, type CliResult } from '../../helpers/cli.js';
import { tempDir } from '../../helpers/config.js';
import { startTestCluster, type TestCluster } from '../../helpers/pg-cluster.js';

const FIXTURE = fileURLToPath(new URL('../../fixtures/crontab/backups.cron', import.meta.url));

let catalog: TestCluster;
let catalogUrl: string;
let work: string;

beforeAll(async () => {
  catalog = await startTestCluster();
  catalogUrl = catalog.urlFor(await catalog.createDatabase());
  work = tempDir('import-crontab');
}, 120_000);

afterAll(async () => {
  await catalog?.stop();
});

function cli(...args: string[]): Promise<CliResult> {
  return pgbackops([...args, '--state-dir', join(work, 'state'), '--catalog', catalogUrl]);
}

function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) out[relative(dir, join(entry.parentPath, entry.name))] = readFileSync(join(entry.parentPath, entry.name), 'utf8');
  }
  return out;
}

describe('import crontab', () => {
  it('turns a cron.d file into a configuration that validates and plans, reporting what it could not import', async () => {
    const out = join(work, 'config');
    const args = ['import', 'crontab', '--file', FIXTURE, '--out', out, '--host', 'backup01.example.org', '--backup-root', join(work, 'backups'), '--timezone', 'Europe/Oslo'];
    const first = await cli(...args);
    expect(first.exitCode, first.stderr + first.stdout).toBe(0);
    const files = tree(out);
    expect(Object.keys(files).sort()).toEqual(['.pgbackops-import.json', 'nodes/db1-example-org.yaml', 'nodes/db2-example-org-6432.yaml', 'retention.yaml', 'servers.yaml']);
    const all = Object.values(files).join('\n');
    expect(all).not.toMatch(/Tr0ub4dor|hunter2|password/i);
    expect(files['nodes/db1-example-org.yaml']).toMatch(/name: db1-example-org-shop\n[\s\S]*?retention: crontab-keep-14d/);
    expect(files['nodes/db1-example-org.yaml']).toMatch(/name: db1-example-org-shop-schema\n[\s\S]*?type: schema\n\s+schedule: 45 1 \* \* 1-5/);
    expect(files['nodes/db1-example-org.yaml']).toMatch(/name: db1-example-org-cluster\n[\s\S]*?type: cluster/);
    expect(files['nodes/db1-example-org.yaml']).toContain('passfile: /var/lib/postgresql/.pgpass');
    expect(files['nodes/db2-example-org-6432.yaml']).toMatch(/name: db2-example-org-6432-reports\n[\s\S]*?format: directory\n\s+jobs: 4/);
    expect(files['nodes/db2-example-org-6432.yaml']).toMatch(/name: db2-example-org-6432-sales-db\n[\s\S]*?- sales db\n[\s\S]*?compression:\n\s+method: none\n\s+retention: crontab-keep-14d/);
    expect(files['servers.yaml']).toMatch(/scheduler:\n\s+type: cron.d\n\s+file: \/etc\/cron.d\/pgbackops\n\s+user: postgres/);
    for (const finding of [
      /I_PASSWORD_NOT_IMPORTED +\S+ line 11/, /I_PASSWORD_NOT_IMPORTED +\S+ line 12/, /I_CRON_BASEBACKUP_UNSUPPORTED +\S+ line 14/,
      /I_CRON_LINE_NOT_UNDERSTOOD +\S+ line 15/, /I_CRON_OUTPUT_REPLACED +\S+ line 8/,
      /I_RETENTION_DEFAULTED +\S+ line 10/, /I_TIMEZONE_ASSUMED/,
    ]) expect(first.stdout).toMatch(finding);
    expect(first.stdout).not.toMatch(/Tr0ub4dor|hunter2/);
    // The cluster dump piped into `gzip -9` is compressed the same way by pgbackops: kept, nothing to report.
    expect(files['nodes/db1-example-org.yaml']).toMatch(/name: db1-example-org-cluster\n[\s\S]*?type: cluster[\s\S]*?compression:\n\s+method: gzip\n\s+level: 9/);
    expect(first.stdout).not.toMatch(/I_CRON_FORMAT_CHANGED +\S+ line 10/);

    const validate = await cli('validate', '-c', out);
    expect(validate.exitCode, validate.stderr + validate.stdout).toBe(0);
    expect(validate.stdout).toContain('2 Retention, 1 BackupServer, 2 Node, 5 Backup');
    const plan = await cli('plan', '-c', out, '--detailed-exitcode');
    expect(plan.exitCode, plan.stderr + plan.stdout).toBe(2);
    expect(plan.stdout).toMatch(/\+ Backup db1-example-org-shop\b/);

    const second = await cli(...args);
    expect(second.exitCode, second.stderr).toBe(0);
    expect(tree(out)).toEqual(files);

    const dry = await cli(...args.map((a) => (a === out ? join(work, 'dry') : a)), '--dry-run');
    expect(dry.exitCode, dry.stderr).toBe(0);
    expect(() => readdirSync(join(work, 'dry'))).toThrow();
  });

  it('refuses to write into a directory that holds files it did not write', async () => {
    const out = join(work, 'config');
    const other = join(work, 'theirs');
    const first = await cli('import', 'crontab', '--file', FIXTURE, '--out', other, '--host', 'b.example.org', '--dry-run');
    expect(first.exitCode).toBe(0);
    const refused = await cli('import', 'crontab', '--file', FIXTURE, '--out', join(out, 'nodes'), '--host', 'b.example.org');
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toMatch(/already holds files .* that no import wrote/);
  });

  it.skipIf(process.getuid?.() !== 0)('--user reads a real user crontab; apply then adds its block beside the old lines, which stay until removed', async () => {
    const user = `pgbo-imp-${process.pid % 100000}`;
    const theirs = [
      'MAILTO=dba@example.org',
      '30 1 * * * pg_dump -h db1.example.org -U backup -Fc shop > /srv/backups/shop.dump',
      '0 7 * * * /usr/local/bin/rotate-logs.sh',
      '',
    ].join('\n');
    await execa('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', user]);
    try {
      await execa('crontab', ['-u', user, '-'], { input: theirs });
      const out = join(work, 'from-user');
      const backups = join(work, 'user-backups');
      const imported = await cli('import', 'crontab', '--user', user, '--out', out, '--host', hostname(), '--backup-root', backups);
      expect(imported.exitCode, imported.stderr + imported.stdout).toBe(0);
      const files = tree(out);
      expect(files['servers.yaml']).toMatch(new RegExp(`scheduler:\\n\\s+type: crontab\\n\\s+user: ${user}`));
      expect(files['nodes/db1-example-org.yaml']).toMatch(/name: db1-example-org-shop\n[\s\S]*?schedule: 30 1 \* \* \*/);
      expect(imported.stdout).toContain(`I_CRON_OUTPUT_REPLACED  crontab of ${user} line 2`);
      // A line without a backup tool is not a backup: not imported, and nothing to report.
      expect(imported.stdout).not.toMatch(/line 3|rotate-logs/);
      expect(imported.stdout).toMatch(/remove the old lines/i);

      // The switch-over the report describes: apply adds pgbackops' block; the old lines are not touched.
      const config = (...args: string[]): Promise<CliResult> => cli(...args, '-c', out);
      await applyConverged(config);
      const after = (await execa('crontab', ['-u', user, '-l'])).stdout;
      expect(after.startsWith(theirs.trimEnd())).toBe(true);
      expect(after).toMatch(/^30 1 \* \* \* \S*pgbackops(\.js)? run .* db1-example-org-shop # pgbackops:db1-example-org-shop:/m);
    } finally {
      await execa('crontab', ['-u', user, '-r'], { reject: false });
      await execa('userdel', [user], { reject: false });
    }
  });
});
