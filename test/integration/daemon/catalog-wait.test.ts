// A daemon started while its catalog is down (a machine's boot, a compose file) waits for it instead of
// crashing: it retries with a growing delay, starts once the catalog is back, and a SIGTERM during the wait
// ends it at once with exit 0.
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestCluster, type TestCluster } from '../../helpers/pg-cluster.js';
import { basicConfig, tempDir, writeConfig } from '../../helpers/config.js';
import { startDaemon, waitFor, type DaemonProcess, type LogLine } from './daemon-process.js';

let cluster: TestCluster;
const daemons: DaemonProcess[] = [];
const retrying = (l: LogLine): boolean => l.msg === 'catalog unreachable at start; retrying';

beforeAll(async () => {
  cluster = await startTestCluster();
});
afterAll(async () => {
  await cluster?.stop();
});
afterEach(async () => {
  for (const d of daemons.splice(0)) await d.stop('SIGKILL');
  await cluster.resume().catch(() => undefined);
});

async function daemonWhileCatalogDown(): Promise<DaemonProcess> {
  const work = tempDir('daemon-catalog-wait');
  const configDir = join(work, 'config');
  writeConfig(configDir, basicConfig(join(work, 'cron', 'pgbackops'), [{ name: 'job-a' }]));
  const catalogUrl = cluster.urlFor(await cluster.createDatabase());
  await cluster.pause();
  const d = await startDaemon(['-c', configDir, '--state-dir', join(work, 'state'), '--catalog', catalogUrl, '--server', 'backup01'], {}, retrying);
  daemons.push(d);
  return d;
}

describe('a daemon whose catalog is down at start', () => {
  it('retries with a doubling delay and starts when the catalog is back', async () => {
    const d = await daemonWhileCatalogDown();
    await waitFor(() => d.logs.filter(retrying).length >= 2, undefined, () => 'a second retry');
    expect(d.logs.filter(retrying).slice(0, 2).map((l) => l.retryInMs)).toEqual([500, 1000]);
    expect(d.logs.some((l) => l.msg === 'HTTP listening')).toBe(false);

    await cluster.resume();
    await d.waitForLog((l) => l.msg === 'daemon lock taken; starting');
    await waitFor(async () => (await d.get('/readyz')).status === 200, undefined, () => 'ready once the catalog is back');
    expect(await d.stop('SIGTERM')).toBe(0);
  });

  it('stops at once on SIGTERM while waiting: exit 0, nothing started', async () => {
    const d = await daemonWhileCatalogDown();
    expect(await d.stop('SIGTERM')).toBe(0);
    expect(d.logs.some((l) => l.msg === 'stopping: finishing the current pass')).toBe(true);
    expect(d.logs.some((l) => l.msg === 'daemon lock taken; starting')).toBe(false);
  });
});
