// A cron-only server maintains itself: the schedule apply writes holds a managed `pgbackops maintain` line,
// and that line, read from the cron.d file as cron reads it and run as cron runs it (its shell, its
// environment, only --state-dir and --server on the command line), prunes an expired backup. Where the
// daemon also starts maintain, the two never work at once: raced for real, round after round.
import { existsSync, readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { checkCronExpression } from '../../../src/core/cron/expression.js';
import { startTestCluster, type TestCluster } from '../../helpers/pg-cluster.js';
import { CLI, applyConverged, pgbackops } from '../../helpers/cli.js';
import { clusterNodeDoc, writeConfig } from '../../helpers/config.js';
import { cronJobsOf, runAsCron, type CronJob } from '../../helpers/cron-jobs.js';
import { execa } from 'execa';
import { catalogConfig, catalogUrl, cli, configDir, openWorkspace, stateDir, work } from '../../helpers/workspace.js';

let node: TestCluster;
let catalog: TestCluster;
let cronFile: string;
const me = userInfo().username;

beforeAll(async () => {
  [node, catalog] = await Promise.all([startTestCluster(), startTestCluster()]);
  const admin = new pg.Client(node.adminConfig);
  await admin.connect();
  await admin.query('create database shop');
  await admin.end();
});
afterAll(async () => {
  await Promise.all([node?.stop(), catalog?.stop()]);
});

beforeEach(async () => {
  await openWorkspace('maintain-line', catalog);
  cronFile = join(work, 'cron', 'pgbackops');
});

async function setUp(maintenance = ''): Promise<void> {
  writeConfig(configDir, {
    'server.yaml': `apiVersion: pgbackops/v1
kind: BackupServer
metadata: { name: backup01 }
spec:
  host: backup01.example.org
  backupRoot: ${join(work, 'backups')}
  scheduler: { type: cron.d, file: ${cronFile}, user: ${me} }
${maintenance}`,
    'node.yaml': clusterNodeDoc('pg1', node),
    'backup.yaml': `apiVersion: pgbackops/v1
kind: Backup
metadata: { name: often }
spec: { node: pg1, databases: [shop], schedule: "41 1 * * *", retention: { keepLast: 1 } }
`,
  });
  await applyConverged(cli);
}

async function runs(): Promise<Array<{ id: string; directory: string; status: string }>> {
  const client = new pg.Client(catalogConfig);
  await client.connect();
  try {
    return (await client.query(`select id, directory, status from pgbackops.backup_runs where definition = 'often' order by started_at`)).rows;
  } finally {
    await client.end();
  }
}

/** The server's maintain job as cron reads the cron.d file. */
function maintainJob(): CronJob {
  const jobs = cronJobsOf(readFileSync(cronFile, 'utf8'), { userField: true });
  const maintain = jobs.filter((j) => / maintain /.test(j.command));
  expect(maintain, `the cron.d file has no maintain line:\n${readFileSync(cronFile, 'utf8')}`).toHaveLength(1);
  return maintain[0]!;
}

describe('the maintain line of a cron.d server', () => {
  it('is in the schedule, as cron reads it, and run as cron runs it prunes an expired backup', async () => {
    await setUp();
    const job = maintainJob();
    expect(checkCronExpression(job.when.join(' '))).toEqual({ ok: true });
    expect(job.when.slice(1)).toEqual(['*', '*', '*', '*']); // the default: every 15 minutes, at minutes of its own
    expect(job.user).toBe(me);
    expect(job.command).toMatch(/^\S+ maintain --state-dir \S+ --server backup01 # pgbackops:@maintain:[0-9a-f]{12}$/);

    for (let i = 0; i < 2; i++) expect((await pgbackops(['run', '--state-dir', stateDir, 'often'])).exitCode).toBe(0);
    const [older, newer] = await runs();
    expect([older!.status, newer!.status]).toEqual(['succeeded', 'succeeded']);

    const result = await runAsCron(job);
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    expect((await runs()).map((r) => r.id)).toEqual([newer!.id]);
    expect(existsSync(older!.directory)).toBe(false);
    expect(existsSync(newer!.directory)).toBe(true);
  });

  it('follows spec.maintenance: another schedule, or no line at all when disabled', async () => {
    await setUp('  maintenance: { schedule: "H 3 * * *" }\n');
    const [minute, ...rest] = maintainJob().when;
    expect(Number(minute)).toBeGreaterThanOrEqual(0);
    expect(rest).toEqual(['3', '*', '*', '*']);

    await setUp('  maintenance: { enabled: false }\n');
    expect(cronJobsOf(readFileSync(cronFile, 'utf8'), { userField: true }).filter((j) => / maintain /.test(j.command))).toEqual([]);
  });

  it('while another session holds the server\'s maintain lock, maintain skips (exit 0) and prune waits, then fails naming the holder', async () => {
    await setUp();
    const holder = new pg.Client({ ...catalogConfig, application_name: 'the other maintainer' });
    await holder.connect();
    try {
      await holder.query(`select pg_advisory_lock(x'70626f6d'::int, hashtext('backup01'))`);
      const maintain = await pgbackops(['maintain', '--state-dir', stateDir, '--server', 'backup01']);
      expect(maintain.exitCode, maintain.stderr).toBe(0);
      expect(maintain.stdout).toMatch(/^backup01: skipped: another maintain of backup server backup01 is running \(catalog session \d+ of the other maintainer/m);
      const prune = await pgbackops(['prune', '--state-dir', stateDir, '--server', 'backup01', '--lock-timeout', '1']);
      expect(prune.exitCode).toBe(1);
      expect(prune.stderr).toMatch(/error E_MAINTAIN_BUSY: another maintain of backup server backup01 is running \(catalog session \d+ of the other maintainer.*\); waited 1000 ms/);
    } finally {
      await holder.end();
    }
    expect((await pgbackops(['prune', '--state-dir', stateDir, '--server', 'backup01'])).exitCode).toBe(0);
  });

  it('never maintains at the same time as the daemon\'s maintain of the same server (raced, 12 rounds)', async () => {
    await setUp();
    const job = maintainJob();
    // Something for the first maintain to expire; every maintain also sweeps, ingests the spool and checks one-off jobs.
    for (let i = 0; i < 3; i++) expect((await pgbackops(['run', '--state-dir', stateDir, 'often'])).exitCode).toBe(0);
    const observe = { PGBACKOPS_LOG_LEVEL: 'info' };
    const intervals: Array<{ who: string; start: number; end: number }> = [];
    let skipped = 0;
    for (let round = 0; round < 12; round++) {
      // As the daemon starts it (child-jobs.ts): the catalog through the environment, --server on the command line.
      const daemonChild = execa(process.execPath, [CLI, 'maintain', '--state-dir', stateDir, '--server', 'backup01'], {
        reject: false, stdin: 'ignore', env: { PGBACKOPS_CATALOG_URL: catalogUrl, ...observe },
      });
      const results = await Promise.all([daemonChild, runAsCron(job, observe), runAsCron(job, observe)]);
      results.forEach((r, i) => {
        const who = `round ${round} ${i === 0 ? 'daemon child' : `cron line ${i}`}`;
        expect(r.exitCode, `${who}: ${r.stderr}`).toBe(0);
        const events = String(r.stderr).split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { msg: string; time: number });
        const taken = events.find((e) => e.msg === 'maintain lock taken');
        const done = events.find((e) => e.msg === 'maintain finished; releasing the lock');
        if (events.some((e) => e.msg === 'maintain skipped')) {
          expect(String(r.stdout)).toMatch(/backup01: skipped: another maintain of backup server backup01 is running/);
          skipped++;
          return;
        }
        expect(taken && done, `${who} neither skipped nor reported holding the lock:\n${r.stderr}`).toBeTruthy();
        intervals.push({ who, start: taken!.time, end: done!.time });
      });
    }
    intervals.sort((a, b) => a.start - b.start);
    for (let i = 1; i < intervals.length; i++) {
      const [a, b] = [intervals[i - 1]!, intervals[i]!];
      expect(b.start, `${b.who} started maintaining before ${a.who} had finished`).toBeGreaterThanOrEqual(a.end);
    }
    expect(skipped, 'no start ever met another one: the race was not raced').toBeGreaterThan(0);
    expect(intervals.length).toBeGreaterThanOrEqual(12); // one maintain at least in every round
    expect(await runs()).toHaveLength(1);
  }, 240_000);
});
