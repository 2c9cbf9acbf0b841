// Progress on a TTY (docs/cli.md#progress): `backup now` under a pseudo-terminal (util-linux `script`) draws a
// line with a percentage of the estimate (the database's size for a first backup, the previous run's size
// after it) and ends with an "elapsed" line; the same command without a terminal, or with --json / --quiet,
// prints no progress at all. Real PostgreSQL, real pg_dump; no times are asserted.
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyConverged } from '../../helpers/cli.js';
import { cli, cliOnTty, configDir, openWorkspace, work } from '../../helpers/workspace.js';
import { clusterNodeDoc, retentionDoc, serverDoc, writeConfig } from '../../helpers/config.js';
import { startTestCluster, type TestCluster } from '../../helpers/pg-cluster.js';
import { formatBytes } from '../../../src/core/reports/format.js';

let cluster: TestCluster;
let appConfig: pg.ClientConfig;
/** What the first TTY run printed as its size: the estimate of the run after it. */
let previousSize = '';


const PERCENT_LINE = /nightly app: \d{1,2}% [\d.]+ (B|KiB|MiB|GiB) of ~[\d.]+ (B|KiB|MiB|GiB), [\d.]+ (B|KiB|MiB|GiB)\/s/;
const FINAL_LINE = /nightly app: done, [\d.]+ (B|KiB|MiB|GiB), [\d.]+s elapsed/;

beforeAll(async () => {
  cluster = await startTestCluster();
  // Enough rows that pg_dump runs for more than a second (about 125 MB of table): the dump's size is polled
  // once a second, and the percentage appears with the first count.
  appConfig = await cluster.createDatabase('app');
  const client = new pg.Client(appConfig);
  await client.connect();
  await client.query(`create table big as select g, md5(g::text) || md5((g * 7)::text) as t from generate_series(1, 1500000) g`);
  await client.end();
  // What proves an absence (no terminal, --json, --quiet) needs no long dump: with progress on, the line is
  // painted as the dump starts and its "elapsed" line is written when it ends (src/cli/progress.ts).
  await cluster.createDatabase('tiny');
  await openWorkspace('progress', cluster);
  writeConfig(configDir, {
    'server.yaml': serverDoc('backup01', join(work, 'cron', 'pgbackops')).replace('/srv/pgbackops', join(work, 'backups')),
    'nodes.yaml': clusterNodeDoc('pg1', cluster),
    'retention.yaml': retentionDoc,
    'backups.yaml': `apiVersion: pgbackops/v1
kind: Backup
metadata: { name: nightly }
spec:
  node: pg1
  databases: [app]
  format: custom
  schedule: "41 1 * * *"
  retention: standard
---
apiVersion: pgbackops/v1
kind: Backup
metadata: { name: small }
spec: { node: pg1, databases: [tiny], format: custom, schedule: "41 1 * * *", retention: standard }
`,
  });
  await applyConverged(cli);
});

afterAll(async () => {
  await cluster?.stop();
});

describe('backup now progress', () => {
  it('on a TTY: a percentage of the database size for a first backup, then the final line with the elapsed time', async () => {
    const client = new pg.Client(appConfig);
    await client.connect();
    const size = Number((await client.query<{ size: string }>('select pg_database_size(current_database())::text as size')).rows[0]!.size);
    await client.end();
    const r = await cliOnTty('backup', 'now', 'nightly');
    expect(r.exitCode, r.output).toBe(0);
    expect(r.output).toMatch(PERCENT_LINE);
    expect(r.output).toContain(`of ~${formatBytes(size)}`);
    expect(r.output).toMatch(FINAL_LINE);
    expect(r.output).not.toMatch(/100%/);
    // The record itself is printed as without a terminal.
    expect(r.output).toMatch(/nightly app: succeeded, /);
    previousSize = /nightly app: succeeded, ([\d.]+ (?:B|KiB|MiB|GiB)) in/.exec(r.output)![1]!;
  });

  it('without a TTY: no progress line, only the record', async () => {
    const r = await cli('backup', 'now', 'small');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/small tiny: succeeded, /);
    expect(r.stderr).toBe('');
    expect(`${r.stdout}${r.stderr}`).not.toMatch(/%|elapsed|\r/);
  });

  it('on a TTY after a succeeded run: the estimate is that run\'s size', async () => {
    const r = await cliOnTty('backup', 'now', 'nightly');
    expect(r.exitCode, r.output).toBe(0);
    expect(r.output).toMatch(PERCENT_LINE);
    expect(r.output).toContain(`of ~${previousSize}`);
    expect(r.output).toMatch(FINAL_LINE);
  });

  it('on a TTY with --json or --quiet: no progress line', async () => {
    const json = await cliOnTty('backup', 'now', 'small', '--json');
    expect(json.exitCode, json.output).toBe(0);
    expect(json.output).not.toMatch(/elapsed|\d%/);
    expect(json.output).toContain('"status": "succeeded"');
    const quiet = await cliOnTty('backup', 'now', 'small', '--quiet');
    expect(quiet.exitCode, quiet.output).toBe(0);
    expect(quiet.output).not.toMatch(/elapsed|\d%/);
  });
});

describe('verify progress', () => {
  it('on a TTY: the files hashed against their recorded total, then the elapsed time; nothing without a TTY', async () => {
    const tty = await cliOnTty('verify', '--latest', 'nightly');
    expect(tty.exitCode, tty.output).toBe(0);
    expect(tty.output).toMatch(/verify [0-9a-f]{8}: \d{1,2}% [\d.]+ (B|KiB|MiB|GiB) of ~[\d.]+ (B|KiB|MiB|GiB)/);
    expect(tty.output).toMatch(/verify [0-9a-f]{8}: verified, [\d.]+ (B|KiB|MiB|GiB), [\d.]+s elapsed/);
    const plain = await cli('verify', '--latest', 'nightly');
    expect(plain.exitCode, plain.stderr).toBe(0);
    expect(plain.stderr).toBe('');
    expect(plain.stdout).not.toMatch(/elapsed|\r/);
  });
});
