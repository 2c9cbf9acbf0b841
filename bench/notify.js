// Notification benchmark (issue 14): latency from an event to its webhook's receipt in a running daemon.
// The event is real: a failed run recorded in the catalog (the run store raises run-failed in the same
// transaction), then a succeeded one (run-recovered), alternately; the daemon LISTENs on the outbox and
// POSTs to a node:http receiver here. Prints median and p99 over `events` events (target: median <= 1 s).
import { randomUUID } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median, printTable, runCli } from './lib.js';
import { percentile, startDaemon, waitFor } from './daemon.js';

export async function benchNotify({ events = 50 } = {}) {
  const work = mkdtempSync(join(tmpdir(), 'pgbackops-bench-notify-'));
  chmodSync(work, 0o755);
  const stateDir = join(work, 'state');
  const config = join(work, 'config');
  const received = new Map();
  const receiver = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received.set(req.headers['idempotency-key'], Date.now());
      res.writeHead(200).end();
    });
  });
  await new Promise((r) => receiver.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${receiver.address().port}/hook`;
  mkdirSync(config);
  writeFileSync(join(config, 'all.yaml'), `apiVersion: pgbackops/v1
kind: BackupServer
metadata: { name: backup01 }
spec: { host: backup01.example.org, backupRoot: ${join(work, 'backups')}, scheduler: { type: builtin }, notifiers: [hook] }
---
apiVersion: pgbackops/v1
kind: Notifier
metadata: { name: hook }
spec: { remindEvery: "off", webhook: { url: "${url}" } }
---
apiVersion: pgbackops/v1
kind: Node
metadata: { name: pg1 }
spec: { host: pg1.example.org, backupServer: backup01 }
---
apiVersion: pgbackops/v1
kind: Backup
metadata: { name: nightly }
spec: { node: pg1, databases: [app], schedule: "0 1 * * *", retention: { keepLast: 3 } }
`);
  let daemon = null;
  let catalog = null;
  try {
    runCli(['catalog', 'migrate', '--state-dir', stateDir]);
    daemon = await startDaemon(['-c', config, '--state-dir', stateDir, '--server', 'backup01']);
    const { Catalog } = await import('../dist/adapters/catalog/catalog.js');
    const { resolveCatalogConnection } = await import('../dist/adapters/catalog/local-catalog.js');
    catalog = await Catalog.open(await resolveCatalogConnection({ stateDir }));
    const latencies = [];
    for (let i = 0; i < events; i++) {
      const status = i % 2 === 0 ? 'failed' : 'succeeded';
      const before = received.size;
      const at = new Date().toISOString();
      const started = Date.now();
      await catalog.runs.upsertRun({
        id: randomUUID(), definition: 'nightly', node: 'pg1', backupServer: 'backup01', database: 'app', method: 'logical', methodFacts: null, backupType: 'full', format: 'custom',
        status, startedAt: at, finishedAt: at, directory: null, bytes: null, files: null, pgDumpVersion: null, serverVersion: null,
        failureReason: status === 'failed' ? 'bench' : null, failureDetail: null, log: null, retention: null, timezone: 'UTC',
      });
      await waitFor(() => received.size > before, 30_000, `event ${i} at the receiver`);
      latencies.push((Date.now() - started) / 1000);
    }
    const figures = { events, medianSeconds: median(latencies), p99Seconds: percentile(latencies, 99), maxSeconds: Math.max(...latencies) };
    printTable('Notifications: event recorded -> webhook received (running daemon, local catalog)', [
      ['events', String(events)],
      ['median', `${(figures.medianSeconds * 1000).toFixed(1)} ms`, '<= 1000 ms'],
      ['p99', `${(figures.p99Seconds * 1000).toFixed(1)} ms`],
      ['max', `${(figures.maxSeconds * 1000).toFixed(1)} ms`],
    ]);
    return figures;
  } finally {
    await catalog?.close().catch(() => undefined);
    await daemon?.stop();
    await new Promise((r) => receiver.close(r));
    try { runCli(['catalog', 'stop', '--state-dir', stateDir]); } catch { /* never started */ }
    rmSync(work, { recursive: true, force: true });
  }
}
