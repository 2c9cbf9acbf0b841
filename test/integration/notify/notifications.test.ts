// Notifications end to end through the built CLI: real catalog and node clusters, a real failing pg_dump
// (a database that does not exist), real receivers (node:http with signature checks, smtp-server, a shell
// script run by the exec channel). Delivery by `maintain`, as on a cron-only server.
import { chmodSync, mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Catalog } from '../../../src/adapters/catalog/catalog.js';
import { verifySignature } from '../../../src/core/notify/signature.js';
import { deliverNotifications } from '../../../src/jobs/notify/deliver-notifications.js';
import { silentLogger } from '../../../src/adapters/logger.js';
import { applyConverged, pgbackopsAsJobUser, spawnPgbackops } from '../../helpers/cli.js';
import { clusterNodeSpecDoc, retentionDoc, serverDoc, writeConfig } from '../../helpers/config.js';
import { startTestCluster, type TestCluster } from '../../helpers/pg-cluster.js';
import { startHttpReceiver, startSmtpReceiver, waitFor, type HttpReceiver } from './receivers.js';
import { catalogConfig, catalogUrl, cli, configDir, openWorkspace, stateDir, work } from '../../helpers/workspace.js';

const SECRET = 'whsec-test-1234';
const FAST_RETRY = { PGBACKOPS_NOTIFY_RETRY_BASE: '0.05' };

let node: TestCluster;
let catalog: TestCluster;
let receiver: HttpReceiver;

const eventSchema = JSON.parse(readFileSync(new URL('../../../schemas/notification-event.schema.json', import.meta.url), 'utf8'));

beforeAll(async () => {
  [node, catalog] = await Promise.all([startTestCluster(), startTestCluster()]);
});
afterAll(async () => {
  await Promise.all([node?.stop(), catalog?.stop()]);
});
beforeEach(async () => {
  await openWorkspace('notify', catalog);
  chmodSync(work, 0o755);
  receiver = await startHttpReceiver();
});
afterEach(async () => {
  await receiver?.close();
});

// As cron starts the server's maintain line and a definition's line: as the job user.
function maintain(env: Record<string, string> = FAST_RETRY) {
  return pgbackopsAsJobUser(['maintain', '--state-dir', stateDir, '--catalog', catalogUrl, '--server', 'backup01'], env);
}
function run(name: string) {
  return pgbackopsAsJobUser(['run', '--state-dir', stateDir, name]);
}

function secretFile(name: string, content: string): string {
  const path = join(work, name);
  writeFileSync(path, `${content}\n`, { mode: 0o644 });
  return path;
}

/** One server (notifiers named there: the default of every definition), one node, the given documents. */
async function setUp(opts: { serverNotifiers: string[]; notifiers: string; backups: string; nodeNotifiers?: string[] }): Promise<void> {
  const server = serverDoc('backup01', join(work, 'cron', 'pgbackops')).replace('/srv/pgbackops', join(work, 'backups'))
    + `  notifiers: [${opts.serverNotifiers.join(', ')}]\n`;
  writeConfig(configDir, {
    'server.yaml': server,
    'node.yaml': clusterNodeSpecDoc('pg1', node, opts.nodeNotifiers ? `notifiers: [${opts.nodeNotifiers.join(', ')}]` : ''),
    'retention.yaml': retentionDoc,
    'notifiers.yaml': opts.notifiers,
    'backups.yaml': opts.backups,
  });
  await applyConverged(cli);
}

function backupYaml(name: string, database: string): string {
  return `apiVersion: pgbackops/v1
kind: Backup
metadata: { name: ${name} }
spec: { node: pg1, databases: [${database}], schedule: "41 1 * * *", retention: standard }
`;
}

function webhookNotifier(name: string, url: string, extra = ''): string {
  return `apiVersion: pgbackops/v1
kind: Notifier
metadata: { name: ${name} }
spec:
  remindEvery: "off"
  webhook:
    url: ${url}
    secretFile: ${secretFile(`${name}.secret`, SECRET)}
${extra}`;
}

async function outbox(): Promise<Array<{ idempotency_key: string; attempts: number; delivered_at: Date | null; event: { type: string } }>> {
  const client = new pg.Client(catalogConfig);
  await client.connect();
  try {
    return (await client.query('select * from pgbackops.notification_outbox order by id')).rows;
  } finally {
    await client.end();
  }
}

async function sql(text: string): Promise<void> {
  const admin = new pg.Client(node.adminConfig);
  await admin.connect();
  await admin.query(text).finally(() => admin.end());
}

function validator() {
  // Formats (date-time) are checked by the test itself: ajv's format package is not a dependency.
  const ajv = new Ajv({ allErrors: true, validateFormats: false });
  const validate = ajv.compile(eventSchema);
  return Object.assign((body: { occurredAt?: string }) => validate(body) && !Number.isNaN(Date.parse(body.occurredAt ?? '')), validate);
}

const ok = (r: { status: number }) => r.status >= 200 && r.status < 300;

describe('notifications', () => {
  it('alerts once per state change, signed and retried with backoff until the receiver takes it, and says when it recovered', async () => {
    await sql('drop database if exists flaky');
    await setUp({ serverNotifiers: ['hook'], notifiers: webhookNotifier('hook', receiver.url), backups: backupYaml('flaky', 'flaky') });

    // The database does not exist: pg_dump fails for real. Twice: one alert, not two.
    expect((await run('flaky')).exitCode).not.toBe(0);
    expect((await run('flaky')).exitCode).not.toBe(0);
    expect((await outbox()).map((r) => r.event.type)).toEqual(['run-failed']);

    // The receiver fails 3 times, then takes it: one maintain after another, as cron would start them.
    receiver.script.push(503, 503, 503);
    await waitFor(async () => {
      await maintain();
      return receiver.requests.some(ok);
    }, 60_000);
    expect(receiver.requests.map((r) => r.status)).toEqual([503, 503, 503, 200]);
    const keys = new Set(receiver.requests.map((r) => r.headers['idempotency-key']));
    expect(keys.size).toBe(1);
    const validate = validator();
    for (const r of receiver.requests) {
      expect(verifySignature(SECRET, r.headers['x-pgbackops-signature'] as string, r.body, Math.floor(Date.now() / 1000))).toEqual({ ok: true, timestamp: expect.any(Number) });
      expect(validate(JSON.parse(r.body)), JSON.stringify(validate.errors)).toBe(true);
    }
    const alert = JSON.parse(receiver.requests[3]!.body);
    expect(alert).toMatchObject({ version: 1, type: 'run-failed', notice: 'alert', severity: 'critical', subject: { definition: 'flaky', node: 'pg1', backupServer: 'backup01' } });
    expect(receiver.requests[3]!.headers['idempotency-key']).toBe(`${alert.id}@hook`);
    const [row] = await outbox();
    expect(row).toMatchObject({ attempts: 4, delivered_at: expect.any(Date) });
    // A tampered body does not verify.
    expect(verifySignature(SECRET, receiver.requests[3]!.headers['x-pgbackops-signature'] as string, receiver.requests[3]!.body.replace('flaky', 'other'), Math.floor(Date.now() / 1000)).ok).toBe(false);

    // The first success after the failures: one recovery notice; a further success: nothing.
    await sql('create database flaky');
    expect((await run('flaky')).exitCode).toBe(0);
    expect((await run('flaky')).exitCode).toBe(0);
    await maintain();
    const recovered = receiver.requests.slice(4).map((r) => JSON.parse(r.body));
    expect(recovered.map((e) => [e.type, e.notice])).toEqual([['run-recovered', 'recovery']]);
    expect(validate(recovered[0])).toBe(true);
    expect(recovered[0].badSince).toBe(alert.badSince);
    await maintain();
    expect(receiver.requests).toHaveLength(5);
  }, 180_000);

  it('sends mail through a real SMTP server with credentials from files, and runs an exec program with the event', async () => {
    await sql('drop database if exists gone');
    const smtp = await startSmtpReceiver({ user: 'alerts', pass: 's3cret' });
    const outDir = join(work, 'exec-out');
    mkdirSync(outDir, { mode: 0o777 });
    chmodSync(outDir, 0o777);
    const script = join(work, 'page.sh');
    writeFileSync(script, `#!/bin/sh\nenv | grep '^PGBACKOPS_EVENT_' | sort > "$1/env.txt"\ncat > "$1/stdin.json"\n`, { mode: 0o755 });
    try {
      await setUp({
        serverNotifiers: [],
        nodeNotifiers: ['mail', 'page'],
        notifiers: `apiVersion: pgbackops/v1
kind: Notifier
metadata: { name: mail }
spec:
  events: [run-failed]
  email:
    host: 127.0.0.1
    port: ${smtp.port}
    from: pgbackops@example.org
    to: [dba@example.org, oncall@example.org]
    usernameFile: ${secretFile('smtp-user', 'alerts')}
    passwordFile: ${secretFile('smtp-pass', 's3cret')}
---
apiVersion: pgbackops/v1
kind: Notifier
metadata: { name: page }
spec:
  exec: { argv: [${script}, ${outDir}], timeoutSeconds: 20 }
`,
        backups: backupYaml('gone', 'gone'),
      });
      expect((await run('gone')).exitCode).not.toBe(0);
      const m = await maintain();
      expect(m.exitCode, m.stderr).toBe(0);
      const rows = await outbox();
      expect(rows.map((r) => [r.idempotency_key.split('@')[1], r.delivered_at !== null])).toEqual([['mail', true], ['page', true]]);

      expect(smtp.mails).toHaveLength(1);
      // Headers unfolded (long ones are folded onto continuation lines).
      const mail = { ...smtp.mails[0]!, raw: smtp.mails[0]!.raw.replace(/\r\n[ \t]+/g, ' ') };
      expect(mail).toMatchObject({ from: 'pgbackops@example.org', to: ['dba@example.org', 'oncall@example.org'], user: 'alerts' });
      expect(mail.raw).toMatch(/^Subject: \[CRITICAL\] pgbackops: backup gone failed on pg1: gone/m);
      expect(mail.raw).toMatch(/^Message-ID: <[0-9a-f]{40}@pgbackops>/mi);
      expect(mail.raw).toContain(`X-Pgbackops-Idempotency-Key: ${rows[0]!.idempotency_key}`);

      const env = readFileSync(join(outDir, 'env.txt'), 'utf8');
      expect(env).toContain('PGBACKOPS_EVENT_TYPE=run-failed');
      expect(env).toContain('PGBACKOPS_EVENT_DEFINITION=gone');
      expect(env).toContain(`PGBACKOPS_EVENT_IDEMPOTENCY_KEY=${rows[1]!.idempotency_key}`);
      const stdin = JSON.parse(readFileSync(join(outDir, 'stdin.json'), 'utf8'));
      expect(validator()(stdin)).toBe(true);
      expect(stdin).toMatchObject({ type: 'run-failed', subject: { definition: 'gone' } });
    } finally {
      await smtp.close();
    }
  }, 120_000);

  it('a deliverer killed while sending loses nothing: the next one sends the same key, and it is delivered once', async () => {
    await sql('drop database if exists lost');
    await setUp({ serverNotifiers: ['hook'], notifiers: webhookNotifier('hook', receiver.url), backups: backupYaml('lost', 'lost') });
    expect((await run('lost')).exitCode).not.toBe(0);

    // The receiver takes the request and never answers: maintain is killed while it waits.
    receiver.script.push('hang');
    const first = spawnPgbackops(['maintain', '--state-dir', stateDir, '--catalog', catalogUrl, '--server', 'backup01'], FAST_RETRY);
    await receiver.waitFor((r) => r.length === 1);
    first.kill('SIGKILL');
    await first;
    expect((await outbox())[0]).toMatchObject({ delivered_at: null });

    await maintain();
    await maintain();
    expect(receiver.requests).toHaveLength(2);
    expect(receiver.requests[0]!.headers['idempotency-key']).toBe(receiver.requests[1]!.headers['idempotency-key']);
    expect(receiver.requests.filter(ok)).toHaveLength(1);
    expect((await outbox())[0]).toMatchObject({ delivered_at: expect.any(Date) });
  }, 120_000);

  it('two deliverers racing never send one row twice', async () => {
    await setUp({ serverNotifiers: ['hook'], notifiers: webhookNotifier('hook', receiver.url), backups: backupYaml('quiet', 'postgres') });
    const [a, b] = await Promise.all([Catalog.open(catalogConfig), Catalog.open(catalogConfig)]);
    const logger = silentLogger;
    try {
      for (let round = 0; round < 5; round++) {
        const before = receiver.requests.length;
        await a.alerts.query(
          `insert into pgbackops.notification_outbox (idempotency_key, notifier, backup_server, event)
           select 'race-${round}-' || g || '@hook', 'hook', 'backup01',
                  jsonb_build_object('version', 1, 'id', 'race-${round}-' || g, 'type', 'run-failed', 'notice', 'alert', 'severity', 'critical',
                                     'occurredAt', now(), 'summary', 'race', 'subject', '{}'::jsonb)
             from generate_series(1, 20) g`, []);
        await Promise.all([deliverNotifications(a, 'backup01', logger), deliverNotifications(b, 'backup01', logger)]);
        const keys = receiver.requests.slice(before).map((r) => r.headers['idempotency-key']);
        expect(keys).toHaveLength(20);
        expect(new Set(keys).size).toBe(20);
      }
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  }, 120_000);
});
