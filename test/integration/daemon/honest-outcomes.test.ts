// What the daemon reports, as a child process against a real catalog and real cron.d files:
// - a revision applied with a held-back delete is reported as such (log, /status, /readyz, metrics), never as
//   plainly applied.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { backupDoc, basicConfig, tempDir, writeConfig } from '../../helpers/config.js';
import { startTestCluster, type TestCluster } from '../../helpers/pg-cluster.js';
import { WAIT, startDaemon, waitFor, type DaemonProcess } from './daemon-process.js';

let cluster: TestCluster;
let work: string;
let catalogUrl: string;
let catalogConfig: pg.ClientConfig;
const daemons: DaemonProcess[] = [];

async function sql<R extends pg.QueryResultRow>(text: string, params: unknown[] = []): Promise<R[]> {
  const client = new pg.Client(catalogConfig);
  await client.connect();
  try {
    return (await client.query<R>(text, params)).rows;
  } finally {
    await client.end();
  }
}

function managed(file: string): string[] {
  try {
    return readFileSync(file, 'utf8').split('\n').filter((l) => l.includes('# pgbackops:')).map((l) => l.split('# pgbackops:')[1]!.split(':')[0]!).sort();
  } catch {
    return [];
  }
}

async function daemon(args: string[]): Promise<DaemonProcess> {
  const d = await startDaemon([...args, '--catalog', catalogUrl]);
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
  work = tempDir('daemon-honest');
  catalogConfig = await cluster.createDatabase();
  catalogUrl = cluster.urlFor(catalogConfig);
});
afterEach(async () => {
  for (const d of daemons.splice(0)) await d.stop('SIGKILL');
});

describe('a held-back delete', () => {
  it('is reported by the log, /status, /readyz and the metrics, not as a plain apply', async () => {
    const cron = join(work, 'cron');
    const dir = join(work, 'config');
    const defs = (names: string[]) => basicConfig(cron, names.map((name) => ({ name })));
    writeConfig(dir, defs(['keep', 'gone']));
    const d = await daemon(['-c', dir, '--state-dir', join(work, 'state'), '--server', 'backup01']);
    await waitFor(() => managed(cron).join() === 'gone,keep', WAIT, () => 'first convergence');
    await waitFor(async () => (await d.status()).lastFullPass?.result === 'applied', WAIT, () => 'first apply');
    await sql(`insert into pgbackops.backup_runs (definition, node, backup_server, database, status, started_at, finished_at)
               values ('gone', 'pg1', 'backup01', 'app', 'succeeded', now(), now())`);

    writeFileSync(join(dir, 'backups.yaml'), backupDoc({ name: 'keep' }));
    const status = await waitFor(async () => {
      const s = await d.status();
      return s.lastFullPass?.result === 'held-back' ? s : null;
    }, WAIT, () => 'the pass reported as held back');
    expect(status.heldBack).toEqual([expect.stringContaining('delete Backup gone')]);
    expect(status.revision).toMatch(/^[0-9a-f]+$/);
    expect(managed(cron)).toEqual(['gone', 'keep']);
    const held = d.logs.filter((l) => l.msg === 'revision applied with 1 action(s) held back (needs --prune)');
    expect(held).toHaveLength(1);
    expect(d.logs.filter((l) => l.msg === 'revision applied')).toHaveLength(1); // the first, complete one only
    const ready = await d.get('/readyz');
    expect(ready.text).toMatch(/held back/);
    expect((await d.get('/metrics')).text).toMatch(/pgbackops_daemon_passes_total\{result="held-back",kind="full",server="backup01"\} 1/);
    const catalogState = await sql<{ last_applied_held_back: unknown[] }>('select last_applied_held_back from pgbackops.catalog_state');
    expect(catalogState[0]!.last_applied_held_back).toHaveLength(1);
  }, 180_000);
});
