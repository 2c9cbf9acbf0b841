// The daemon with a watched local directory, as a child process against a real catalog cluster and a real
// cron.d file: start -> converged; edit -> converged again; bad edit -> nothing applied and reported; drift
// healed; SIGTERM -> exit 0; a second daemon for the same server refuses to start.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestCluster, type TestCluster } from '../../helpers/pg-cluster.js';
import { basicConfig, backupDoc, tempDir, writeConfig } from '../../helpers/config.js';
import { pgbackops } from '../../helpers/cli.js';
import { WAIT, startDaemon, waitFor, type DaemonProcess } from './daemon-process.js';

let cluster: TestCluster;
let configDir: string;
let cronFile: string;
let stateDir: string;
let catalogUrl: string;
let catalogConfig: pg.ClientConfig;
const daemons: DaemonProcess[] = [];

async function catalogRow(): Promise<{ last_applied_revision: string | null; last_attempted_revision: string | null; last_attempt_error: string | null; version: string }> {
  const client = new pg.Client(catalogConfig);
  await client.connect();
  try {
    return (await client.query('select * from pgbackops.catalog_state')).rows[0];
  } finally {
    await client.end();
  }
}

function managedNames(): string[] {
  let text = '';
  try {
    text = readFileSync(cronFile, 'utf8');
  } catch {
    return [];
  }
  return text.split('\n').filter((l) => l.includes('# pgbackops:') && !l.includes('# pgbackops:@maintain:')).map((l) => l.split('# pgbackops:')[1]!.split(':')[0]!).sort();
}

async function daemon(extra: string[] = []): Promise<DaemonProcess> {
  const d = await startDaemon(['-c', configDir, '--state-dir', stateDir, '--catalog', catalogUrl, '--server', 'backup01', ...extra]);
  daemons.push(d);
  return d;
}

beforeAll(async () => {
  cluster = await startTestCluster();
});
afterAll(async () => {
  await cluster?.stop();
});
beforeEach(async () => {
  const work = tempDir('daemon');
  configDir = join(work, 'config');
  cronFile = join(work, 'cron', 'pgbackops');
  stateDir = join(work, 'state');
  catalogConfig = await cluster.createDatabase();
  catalogUrl = cluster.urlFor(catalogConfig);
});
afterEach(async () => {
  for (const d of daemons.splice(0)) await d.stop('SIGKILL');
});

describe('daemon with a watched directory', () => {
  it('converges on start and on every edit, refuses a bad edit, heals drift, exits 0 on SIGTERM', async () => {
    writeConfig(configDir, basicConfig(cronFile, [{ name: 'job-a' }, { name: 'job-b' }]));
    const d = await daemon(['--interval', '2']);
    await waitFor(() => managedNames().join() === 'job-a,job-b', WAIT, () => `start convergence, have ${managedNames()}`);
    await waitFor(async () => (await d.get('/readyz')).status === 200);
    const first = await catalogRow();
    expect(first.last_applied_revision).toMatch(/^[0-9a-f]{16,}/);

    // An edit converges the schedule again (the watcher triggers a pass at once).
    writeFileSync(join(configDir, 'backups.yaml'), [{ name: 'job-a' }, { name: 'job-b' }, { name: 'job-c' }].map(backupDoc).join('---\n'));
    await waitFor(() => managedNames().join() === 'job-a,job-b,job-c', WAIT, () => `edit convergence, have ${managedNames()}`);
    const second = await catalogRow();
    expect(second.last_applied_revision).not.toBe(first.last_applied_revision);

    // A bad edit: nothing applied, the error is exposed, the daemon is not ready, the catalog records it.
    writeFileSync(join(configDir, 'backups.yaml'), backupDoc({ name: 'job-a' }) + '---\n' + backupDoc({ name: 'BAD_NAME' }));
    const rejected = await waitFor(async () => {
      const s = await d.status();
      return s.rejected?.result === 'invalid' ? s : null;
    }, WAIT, () => 'invalid revision reported');
    expect(rejected.rejected.error).toContain('backups.yaml');
    expect(rejected.rejected.diagnostics.length).toBeGreaterThan(0);
    expect((await d.get('/readyz')).status).toBe(503);
    expect(managedNames().join()).toBe('job-a,job-b,job-c');
    const afterBad = await catalogRow();
    expect(afterBad.last_applied_revision).toBe(second.last_applied_revision);
    expect(afterBad.last_attempt_error).toContain('invalid');
    // Reported once, not retried in a loop by the interval passes.
    await new Promise((r) => setTimeout(r, 2500));
    expect(d.logs.filter((l) => l.msg.startsWith('revision not applied')).length).toBe(1);

    // Reverting the bad edit goes back to the applied revision: nothing to apply, and ready again.
    writeFileSync(join(configDir, 'backups.yaml'), [{ name: 'job-a' }, { name: 'job-b' }, { name: 'job-c' }].map(backupDoc).join('---\n'));
    await waitFor(async () => (await d.get('/readyz')).status === 200, WAIT, () => 'ready after the revert');
    expect((await d.status()).rejected).toBeNull();
    expect(await catalogRow()).toMatchObject({ last_applied_revision: second.last_applied_revision, last_attempted_revision: second.last_applied_revision, last_attempt_error: null });

    // The next good edit applies.
    writeFileSync(join(configDir, 'backups.yaml'), [{ name: 'job-a' }, { name: 'job-d' }].map(backupDoc).join('---\n') + '---\n' + backupDoc({ name: 'job-b' }) + '---\n' + backupDoc({ name: 'job-c' }));
    await waitFor(() => managedNames().join() === 'job-a,job-b,job-c,job-d', WAIT, () => `good edit convergence, have ${managedNames()}`);
    await waitFor(async () => (await d.get('/readyz')).status === 200);
    expect((await catalogRow()).last_attempt_error).toBeNull();

    // Drift: a managed line removed and another edited by hand are restored at the next (interval) pass.
    const text = readFileSync(cronFile, 'utf8');
    const lines = text.split('\n');
    const edited = lines
      .filter((l) => !l.includes('pgbackops:job-a:'))
      .map((l) => (l.includes('pgbackops:job-b:') ? l.replace(/^\S+ \S+/, '0 0') : l));
    writeFileSync(cronFile, edited.join('\n'));
    await waitFor(() => readFileSync(cronFile, 'utf8') === text, WAIT, () => 'drift healed');
    // Counted once the write returns, which is after the rename makes the file visible (the directory is
    // fsynced last): wait for the counter rather than read it once.
    await waitFor(async () => {
      const drift = /^pgbackops_daemon_drift_corrections_total\{[^}]*\} (\d+)/m.exec((await d.get('/metrics')).text);
      return Number(drift?.[1]) >= 2;
    }, WAIT, () => 'two drift corrections counted');

    // SIGHUP reloads settings and keeps running.
    d.proc.kill('SIGHUP');
    await d.waitForLog((l) => l.msg === 'settings reloaded (SIGHUP)', 5000);
    expect((await d.get('/healthz')).status).toBe(200);

    // SIGTERM: exits 0, and the state is consistent (a fresh plan is empty).
    expect(await d.stop('SIGTERM')).toBe(0);
    expect(d.logs.some((l) => l.msg === 'stopped')).toBe(true);
    const plan = await pgbackops(['plan', '--detailed-exitcode', '-c', configDir, '--state-dir', stateDir, '--catalog', catalogUrl, '--server', 'backup01']);
    expect(plan.stdout).toContain('No changes.');
    expect(plan.exitCode).toBe(0);
  }, 180_000);

  it('a one-definition commit reads only its file: catalog and schedule converge, and a full plan agrees (empty)', async () => {
    writeConfig(configDir, {
      ...basicConfig(cronFile, [{ name: 'job-a' }]),
      'teams/a.yaml': ['team-a1', 'team-a2'].map((name) => backupDoc({ name })).join('---\n'),
      'teams/b.yaml': backupDoc({ name: 'team-b1' }),
    });
    const d = await daemon();
    await waitFor(() => managedNames().join() === 'job-a,team-a1,team-a2,team-b1', WAIT, () => `start convergence, have ${managedNames()}`);
    // A full recompute (the CLI reads and plans everything) finds nothing to do once the daemon converged.
    const planIsEmpty = async () => {
      const plan = await pgbackops(['plan', '--detailed-exitcode', '-c', configDir, '--state-dir', stateDir, '--catalog', catalogUrl, '--server', 'backup01']);
      return plan.exitCode === 0 && plan.stdout.includes('No changes.');
    };
    const backupRows = async (): Promise<Record<string, string>> => {
      const client = new pg.Client(catalogConfig);
      await client.connect();
      try {
        return Object.fromEntries((await client.query('select name, spec_hash from pgbackops.definitions')).rows.map((r) => [r.name, r.spec_hash]));
      } finally {
        await client.end();
      }
    };
    const loads = () => d.logs.filter((l) => l.msg === 'configuration loaded');

    // One new definition in a file of its own.
    writeFileSync(join(configDir, 'teams/c.yaml'), backupDoc({ name: 'team-c1', schedule: '7 3 * * *' }));
    await waitFor(() => readFileSync(cronFile, 'utf8').includes('pgbackops:team-c1:'), WAIT, () => `team-c1 scheduled, have ${managedNames()}`);
    expect(readFileSync(cronFile, 'utf8')).toMatch(/^7 3 \* \* \* .*pgbackops:team-c1:/m);
    expect(Object.keys(await backupRows()).sort()).toEqual(['job-a', 'team-a1', 'team-a2', 'team-b1', 'team-c1']);
    // The pass read that file alone, and checked nothing else again.
    expect(loads().at(-1)).toMatchObject({ read: 'changed', checkedFiles: 1 });
    expect(await planIsEmpty()).toBe(true);

    // A definition moved to another file (two paths change, its spec does not): the catalog keeps its hash.
    const before = await backupRows();
    writeFileSync(join(configDir, 'teams/a.yaml'), backupDoc({ name: 'team-a1' }));
    writeFileSync(join(configDir, 'teams/b.yaml'), [backupDoc({ name: 'team-b1' }), backupDoc({ name: 'team-a2' })].join('---\n'));
    await waitFor(planIsEmpty, WAIT, () => 'the move converged');
    expect(loads().at(-1), JSON.stringify(loads())).toMatchObject({ read: 'changed' });
    expect(await backupRows()).toEqual(before);
    expect(managedNames().join()).toBe('job-a,team-a1,team-a2,team-b1,team-c1');
  }, 180_000);

  it('SIGTERM in the middle of a pass finishes it: exit 0 and catalog and schedule agree', async () => {
    writeConfig(configDir, basicConfig(cronFile, [{ name: 'job-a' }]));
    const d = await daemon();
    await waitFor(() => managedNames().length === 1, WAIT);
    writeFileSync(join(configDir, 'backups.yaml'), ['job-a', ...Array.from({ length: 200 }, (_, i) => `job-${i}`)].map((name) => backupDoc({ name })).join('---\n'));
    await d.waitForLog((l) => l.msg === 'pass started' && Array.isArray(l.reasons) && (l.reasons as string[]).includes('file change'), WAIT);
    expect(await d.stop('SIGTERM')).toBe(0);
    const finished = d.logs.filter((l) => l.msg === 'pass finished');
    expect(finished.length).toBe(2);
    const plan = await pgbackops(['plan', '--detailed-exitcode', '-c', configDir, '--state-dir', stateDir, '--catalog', catalogUrl, '--server', 'backup01']);
    expect(plan.stdout).toContain('No changes.');
    expect(managedNames().length).toBe(201);
  }, 180_000);

  it('refuses a second daemon for the same server', async () => {
    writeConfig(configDir, basicConfig(cronFile, [{ name: 'job-a' }]));
    const first = await daemon();
    await waitFor(() => managedNames().length === 1, WAIT);
    const second = await daemon();
    const code = await second.proc.then((r) => r.exitCode);
    expect(code).toBe(1);
    expect(second.stderr()).toMatch(/another pgbackops daemon already runs for backup server backup01: catalog backend \d+ \(pgbackops daemon backup01\)/);
    expect((await first.get('/healthz')).status).toBe(200);

    // The daemon's own catalog session is cut: it reconnects, takes its lock again, converges at once.
    const client = new pg.Client(catalogConfig);
    await client.connect();
    try {
      const killed = await client.query("select pg_terminate_backend(pid) as ok from pg_stat_activity where application_name = 'pgbackops daemon backup01'");
      expect(killed.rows).toHaveLength(1);
    } finally {
      await client.end();
    }
    await first.waitForLog((l) => l.msg === 'catalog connection of the daemon restored');
    await first.waitForLog((l) => l.msg === 'pass started' && (l.reasons as string[]).includes('catalog reconnected'));
    const third = await daemon();
    expect(await third.proc.then((r) => r.exitCode)).toBe(1);
    expect(third.stderr()).toContain('another pgbackops daemon already runs for backup server backup01');
  }, 180_000);
});
