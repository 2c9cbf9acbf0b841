// WAL archive notifications end to end: a real pg_receivewal supervised by `pgbackops wal-receive` streams from a
// real node; stopped and kept down, the archive is Failing and `maintain` (what a server's schedule runs) raises
// one signed wal-archive-lagging webhook to a real HTTP receiver, however often it runs; with the receiver back,
// one wal-archive-recovered notice.
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import pg from 'pg';
import type { ResultPromise } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifySignature } from '../../../src/core/notify/signature.js';
import { applyConverged, pgbackops, spawnPgbackops } from '../../helpers/cli.js';
import { clusterNodeSpecDoc, serverDoc, tempDir, writeConfig } from '../../helpers/config.js';
import { startTestCluster, type TestCluster } from '../../helpers/pg-cluster.js';
import { waitFor } from '../daemon/daemon-process.js';
import { startHttpReceiver, type HttpReceiver } from './receivers.js';

const SECRET = 'whsec-wal-5678';

let node: TestCluster;
let catalog: TestCluster;
let work: string;
let configDir: string;
let stateDir: string;
let catalogConfig: pg.ClientConfig;
let catalogUrl: string;
let receiver: HttpReceiver;
const receivers: ResultPromise[] = [];

const eventSchema = JSON.parse(readFileSync(new URL('../../../schemas/notification-event.schema.json', import.meta.url), 'utf8'));

beforeAll(async () => {
  [node, catalog] = await Promise.all([startTestCluster(), startTestCluster()]);
  work = tempDir('wal-notify');
  chmodSync(work, 0o755);
  configDir = join(work, 'config');
  stateDir = join(work, 'state');
  catalogConfig = await catalog.createDatabase();
  catalogUrl = catalog.urlFor(catalogConfig);
  receiver = await startHttpReceiver();
  const secretFile = join(work, 'hook.secret');
  writeFileSync(secretFile, `${SECRET}\n`, { mode: 0o644 });
  writeConfig(configDir, {
    'server.yaml': serverDoc('backup01', join(work, 'cron', 'pgbackops')).replace('/srv/pgbackops', join(work, 'backups')) + '  notifiers: [hook]\n',
    'node.yaml': clusterNodeSpecDoc('pg1', node, 'walArchive: { enabled: true, slot: pgbo_notify }'),
    'notifier.yaml': `apiVersion: pgbackops/v1
kind: Notifier
metadata: { name: hook }
spec:
  remindEvery: "off"
  webhook:
    url: ${receiver.url}
    secretFile: ${secretFile}
`,
  });
  await applyConverged((...args) => pgbackops([...args, '-c', configDir, '--state-dir', stateDir, '--catalog', catalogUrl]));
});
afterAll(async () => {
  for (const r of receivers.splice(0)) {
    r.kill('SIGTERM');
    await r;
  }
  await receiver?.close();
  await Promise.all([node?.stop(), catalog?.stop()]);
});

function maintain() {
  return pgbackops(['maintain', '--state-dir', stateDir, '--catalog', catalogUrl, '--server', 'backup01'], { PGBACKOPS_NOTIFY_RETRY_BASE: '0.05' });
}

function startReceiver(): ResultPromise {
  const child = spawnPgbackops(['wal-receive', '--node', 'pg1', '--state-dir', stateDir, '--catalog', catalogUrl], { PGBACKOPS_LOG_LEVEL: 'info' });
  receivers.push(child);
  return child;
}

async function receiverState(): Promise<string | undefined> {
  const client = new pg.Client(catalogConfig);
  await client.connect();
  try {
    return (await client.query("select state from pgbackops.wal_receivers where node = 'pg1'")).rows[0]?.state as string | undefined;
  } finally {
    await client.end();
  }
}

function bodies(): Array<Record<string, any>> {
  return receiver.requests.map((r) => JSON.parse(r.body) as Record<string, any>);
}

describe('WAL archive notifications', () => {
  it('a receiver stopped and kept down raises one signed alert, and its return one recovery notice', async () => {
    const first = startReceiver();
    await waitFor(async () => (await receiverState()) === 'running', 60_000, () => 'the receiver running');
    expect((await maintain()).exitCode).toBe(0);
    expect(receiver.requests).toEqual([]);

    // Stopped, and kept down: the supervisor reports "stopped" as it exits.
    first.kill('SIGTERM');
    await first;
    receivers.splice(receivers.indexOf(first), 1);
    await waitFor(async () => (await receiverState()) === 'stopped', 60_000, () => 'the receiver reported stopped');
    for (let i = 0; i < 3; i++) expect((await maintain()).exitCode).toBe(0);
    await receiver.waitFor((r) => r.length >= 1);
    expect(receiver.requests).toHaveLength(1);
    const [alert] = receiver.requests;
    const body = JSON.parse(alert!.body);
    expect(body).toMatchObject({
      version: 1, type: 'wal-archive-lagging', notice: 'alert', severity: 'critical',
      subject: { node: 'pg1', backupServer: 'backup01' },
      summary: expect.stringMatching(/^WAL archive of node pg1 is failing: the WAL receiver is stopped/),
    });
    expect(new Ajv({ allErrors: true, validateFormats: false }).compile(eventSchema)(body)).toBe(true);
    expect(verifySignature(SECRET, alert!.headers['x-pgbackops-signature'] as string, alert!.body, Math.floor(Date.now() / 1000))).toEqual({ ok: true, timestamp: expect.any(Number) });
    expect(alert!.headers['idempotency-key']).toMatch(/^wal-archive-lagging\/node:pg1\/.+@hook$/);

    // Back up: one recovery notice, and nothing more however often maintain runs.
    startReceiver();
    await waitFor(async () => (await receiverState()) === 'running', 60_000, () => 'the receiver running again');
    for (let i = 0; i < 2; i++) expect((await maintain()).exitCode).toBe(0);
    await receiver.waitFor((r) => r.length >= 2);
    expect(bodies().map((b) => [b.type, b.notice])).toEqual([['wal-archive-lagging', 'alert'], ['wal-archive-recovered', 'recovery']]);
    expect(bodies()[1]).toMatchObject({ severity: 'ok', subject: { node: 'pg1' }, summary: 'WAL archive of node pg1 is healthy again (receiver running)', badSince: body.badSince });
  }, 300_000);
});
