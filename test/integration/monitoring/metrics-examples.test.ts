// The daemon's /metrics against a real catalog holding real runs (pg_dump of a real node), a real trial
// restore and a real restore: every definition has a state series from the first scrape (never run
// included), sizes and durations carry a database label, verify and restore outcomes are exported, only
// counters end in _total, and every metric name used by examples/monitoring/ (the Prometheus alert rules and
// the Grafana dashboard) is one the daemon exports.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCluster, type TestCluster } from '../../helpers/pg-cluster.js';
import { applyConverged, pgbackops } from '../../helpers/cli.js';
import { backupDoc, clusterNodeDoc, retentionDoc, serverDoc, tempDir, writeConfig } from '../../helpers/config.js';
import { startDaemon, type DaemonProcess } from '../daemon/daemon-process.js';

const EXAMPLES = new URL('../../../examples/monitoring/', import.meta.url);
/** Names Prometheus records itself for every scrape target; not the daemon's to export. */
const PROMETHEUS_OWN = new Set(['up']);

let node: TestCluster;
let catalog: TestCluster;
let configDir: string;
let stateDir: string;
let catalogUrl: string;
let catalogConfig: pg.ClientConfig;
let daemon: DaemonProcess | null = null;

const cli = (...args: string[]) => pgbackops([...args, '-c', configDir, '--state-dir', stateDir, '--catalog', catalogUrl]);

beforeAll(async () => {
  [node, catalog] = await Promise.all([startTestCluster(), startTestCluster()]);
  const admin = new pg.Client(node.adminConfig);
  await admin.connect();
  await admin.query('create database shop');
  await admin.query('create database ledger');
  await admin.query('create table filler as select g, md5(g::text) as t from generate_series(1, 2000) g');
  await admin.end();
  const work = tempDir('metrics');
  configDir = join(work, 'config');
  stateDir = join(work, 'state');
  catalogConfig = await catalog.createDatabase();
  catalogUrl = catalog.urlFor(catalogConfig);
  writeConfig(configDir, {
    'server.yaml': serverDoc('backup01', join(work, 'cron', 'pgbackops')).replace('/srv/pgbackops', join(work, 'backups')),
    'node.yaml': clusterNodeDoc('pg1', node),
    'retention.yaml': retentionDoc,
    'backups.yaml': [
      backupDoc({ name: 'good', databases: '[shop, ledger]' }),
      backupDoc({ name: 'broken', databases: '[missing_db]' }),
      backupDoc({ name: 'fresh', databases: '[shop]' }),
    ].join('---\n'),
  });
  await applyConverged(cli);
  expect((await pgbackops(['run', '--state-dir', stateDir, 'good'])).exitCode).toBe(0);
  expect((await pgbackops(['run', '--state-dir', stateDir, 'broken'])).exitCode).not.toBe(0);
  const verify = await cli('verify', '--latest', 'good', '--restore', '--to-node', 'pg1');
  expect(verify.exitCode, verify.stderr).toBe(0);
  const client = new pg.Client(catalogConfig);
  await client.connect();
  const { rows } = await client.query("select id::text from pgbackops.backup_runs where definition = 'good' and database = 'shop'");
  await client.end();
  const restore = await cli('restore', rows[0].id, '--to-node', 'pg1', '--database', 'shop_restored', '--yes');
  expect(restore.exitCode, restore.stderr).toBe(0);
}, 300_000);

afterAll(async () => {
  await daemon?.stop('SIGTERM');
  await Promise.all([node?.stop(), catalog?.stop()]);
});

/** Metric families declared by `# TYPE` lines, and every sample line's name with its labels. */
function parseExposition(text: string): { types: Map<string, string>; samples: Array<{ name: string; labels: string; value: number }> } {
  const types = new Map<string, string>();
  const samples: Array<{ name: string; labels: string; value: number }> = [];
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) types.set(type[1]!, type[2]!);
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$/.exec(line);
    if (sample) samples.push({ name: sample[1]!, labels: sample[2] ?? '', value: Number(sample[3]) });
  }
  return { types, samples };
}

/** The metric names a PromQL expression uses (identifiers not followed by '(' nor written as label names or keywords). */
function namesInPromQl(expr: string): string[] {
  const withoutStrings = expr.replace(/"[^"]*"/g, '""').replace(/\{[^}]*\}/g, '{}').replace(/\[[^\]]*\]/g, '[]');
  const keywords = new Set([
    'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'offset', 'and', 'or', 'unless', 'bool',
    // Aggregation operators: `sum by (x) (...)` puts a clause between the name and its parenthesis.
    'sum', 'min', 'max', 'avg', 'count', 'group', 'stddev', 'stdvar', 'topk', 'bottomk', 'quantile', 'count_values',
  ]);
  const out: string[] = [];
  for (const m of withoutStrings.matchAll(/\b([a-zA-Z_:][a-zA-Z0-9_:]*)\b(?!\s*\()/g)) {
    const name = m[1]!;
    if (keywords.has(name) || /^\d/.test(name) || /^[0-9.]+[smhdwy]$/.test(name)) continue;
    // Inside `by (...)` come label names, not metrics.
    const before = withoutStrings.slice(0, m.index);
    if (/\b(by|without|on|ignoring)\s*\([^)]*$/.test(before)) continue;
    out.push(name);
  }
  return out;
}

function exampleExpressions(): string[] {
  const rules = parseYaml(readFileSync(new URL('prometheus-alerts.yaml', EXAMPLES), 'utf8')) as { groups: Array<{ rules: Array<{ expr: string }> }> };
  const exprs = rules.groups.flatMap((g) => g.rules.map((r) => r.expr));
  const dashboard = JSON.parse(readFileSync(new URL('grafana-dashboard.json', EXAMPLES), 'utf8')) as {
    panels: Array<{ targets: Array<{ expr: string }> }>; templating: { list: Array<{ definition: string }> };
  };
  exprs.push(...dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr)));
  // label_values(metric, label): the metric is the first argument.
  for (const v of dashboard.templating.list) exprs.push(/label_values\(([^,]+),/.exec(v.definition)![1]!);
  return exprs;
}

describe('daemon /metrics', () => {
  it('exports every name the example alert rules and dashboard use, and the per-definition series', async () => {
    daemon = await startDaemon(['-c', configDir, '--state-dir', stateDir, '--catalog', catalogUrl, '--server', 'backup01']);
    // The first scrape, whether or not the first pass has finished: every definition has its state.
    const first = parseExposition((await daemon.get('/metrics')).text);
    const state = (def: string) => first.samples.filter((s) => s.name === 'pgbackops_backup_state' && s.labels.includes(`definition="${def}"`) && s.value === 1);
    expect(state('fresh').map((s) => /state="([^"]+)"/.exec(s.labels)![1])).toEqual(['never_run']);
    expect(state('broken').map((s) => /state="([^"]+)"/.exec(s.labels)![1])).toEqual(['failing']);
    expect(state('good')).toHaveLength(1);
    expect(state('good')[0]!.labels).toContain('node="pg1"');

    await daemon.waitForLog((l) => l.msg === 'pass finished');
    const { types, samples } = parseExposition((await daemon.get('/metrics')).text);
    const exported = new Set<string>();
    for (const [name, type] of types) {
      exported.add(name);
      if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) exported.add(name + suffix);
      if (type === 'summary') for (const suffix of ['_sum', '_count']) exported.add(name + suffix);
    }
    const used = new Set(exampleExpressions().flatMap(namesInPromQl));
    expect(used.size).toBeGreaterThan(10);
    const missing = [...used].filter((n) => !exported.has(n) && !PROMETHEUS_OWN.has(n));
    expect(missing).toEqual([]);

    // Counters, and only counters, end in _total; no doubled prefix.
    for (const [name, type] of types) expect(`${name} ${type}`).toMatch(type === 'counter' ? /_total counter$/ : /(?<!_total) \w+$/);
    expect([...types.keys()].filter((n) => n.includes('process_process'))).toEqual([]);
    expect(types.has('pgbackops_daemon_process_cpu_seconds_total')).toBe(true);

    const value = (name: string, ...labels: string[]) => samples.filter((s) => s.name === name && labels.every((l) => s.labels.includes(l))).map((s) => s.value);
    // Per database: the two databases of `good`, each with its own size and duration.
    for (const db of ['shop', 'ledger']) {
      expect(value('pgbackops_backup_last_size_bytes', 'definition="good"', `database="${db}"`)[0]).toBeGreaterThan(0);
      expect(value('pgbackops_backup_last_duration_seconds', 'definition="good"', `database="${db}"`)).toHaveLength(1);
    }
    expect(value('pgbackops_backup_last_success_timestamp_seconds', 'definition="good"')[0]! * 1000).toBeLessThanOrEqual(Date.now());
    expect(value('pgbackops_backup_last_success_timestamp_seconds', 'definition="fresh"')).toEqual([]);
    expect(value('pgbackops_backup_last_failure_timestamp_seconds', 'definition="broken"')).toHaveLength(1);
    for (const def of ['good', 'broken', 'fresh']) expect(value('pgbackops_backup_next_run_timestamp_seconds', `definition="${def}"`)[0]! * 1000).toBeGreaterThan(Date.now());
    expect(value('pgbackops_verify_last_success', 'definition="good"')).toEqual([1]);
    expect(value('pgbackops_restore_last_success', 'definition="good"')).toEqual([1]);
    expect(value('pgbackops_verify_last_success', 'definition="broken"')).toEqual([]);
  });
});
