// The status page in a real browser (chromium through playwright-core) against a running daemon whose
// catalog holds real runs: healthy, failing, late, never run and unscheduled definitions; states and counts
// in the DOM, the rejection of a bad revision, the CSP blocking an injected inline script, keyboard
// navigation, authentication; and the same page written by `pgbackops status --html FILE`.
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backupDoc, nodeDoc, retentionDoc, serverDoc, tempDir, writeConfig } from '../../helpers/config.js';
import { ARTIFACTS, launchBrowser } from '../../helpers/browser.js';
import { pgbackops } from '../../helpers/cli.js';
import { startTestCluster, type TestCluster } from '../../helpers/pg-cluster.js';
import { WAIT, startDaemon, waitFor, type DaemonProcess } from './daemon-process.js';

const TOKEN = 'status-page-token-0123456789';
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'";

let cluster: TestCluster;
let browser: Browser;
let daemon: DaemonProcess;
let work: string;
let configDir: string;
let catalogUrl: string;
let catalogConfig: pg.ClientConfig;

async function sql(text: string, params: unknown[] = []): Promise<Record<string, unknown>[]> {
  const client = new pg.Client(catalogConfig);
  await client.connect();
  try {
    return (await client.query(text, params)).rows;
  } finally {
    await client.end();
  }
}

/** Daily at the UTC minute two hours ago: its last expected run is two hours old whenever the test runs. */
function twoHoursAgoDaily(): string {
  const t = new Date(Date.now() - 2 * 3_600_000);
  return `${t.getUTCMinutes()} ${t.getUTCHours()} * * *`;
}

function files(definitions: string): Record<string, string> {
  return {
    'servers.yaml': serverDoc('backup01', join(work, 'cron.d', 'pgbackops')),
    'nodes.yaml': nodeDoc('pg1', 'backup01') + '---\n' + nodeDoc('pg2', 'backup01'),
    'retention.yaml': retentionDoc,
    'backups.yaml': definitions,
  };
}

let definitions: string;

beforeAll(async () => {
  [cluster, browser] = await Promise.all([startTestCluster(), launchBrowser()]);
  work = tempDir('status-page');
  configDir = join(work, 'config');
  catalogConfig = await cluster.createDatabase();
  catalogUrl = cluster.urlFor(catalogConfig);
  const daily = twoHoursAgoDaily();
  definitions = [
    backupDoc({ name: 'ok-job', schedule: daily }),
    backupDoc({ name: 'failing-job', schedule: daily }),
    backupDoc({ name: 'late-job', schedule: daily, node: 'pg2' }),
    backupDoc({ name: 'new-job', schedule: daily, node: 'pg2' }),
    backupDoc({ name: 'off-job', schedule: daily, enabled: false }),
  ].join('---\n');
  writeConfig(configDir, files(definitions));
  const authFile = join(work, 'http-auth');
  writeFileSync(authFile, `${TOKEN}\n`, { mode: 0o600 });
  daemon = await startDaemon(['-c', configDir, '--state-dir', join(work, 'state'), '--server', 'backup01', '--catalog', catalogUrl, '--interval', '2', '--http-auth-file', authFile]);
  await waitFor(async () => (await sql('select last_applied_revision from pgbackops.catalog_state'))[0]?.last_applied_revision, WAIT, () => 'first apply');
  // What the daemon applied is converged: a plan of the same directory is empty.
  const plan = await pgbackops(['plan', '-c', configDir, '--catalog', catalogUrl, '--server', 'backup01', '--state-dir', join(work, 'state'), '--detailed-exitcode']);
  expect(plan.exitCode, plan.stdout + plan.stderr).toBe(0);

  // Real run rows, recorded as a job records them: 30 days of nightly successes with a growing size for ok-job,
  // the latest run of failing-job failed, late-job's last success is a day older than its last due run.
  const insert = `insert into pgbackops.backup_runs (definition, node, backup_server, database, status, started_at, finished_at, bytes, failure_reason, failure_detail)
                  values ($1, $2, 'backup01', 'app', $3, now() - make_interval(mins => $4), now() - make_interval(mins => $4) + make_interval(secs => $5), $6, $7, $8)`;
  for (let day = 29; day >= 0; day--) {
    await sql(insert, ['ok-job', 'pg1', 'succeeded', day * 1440 + 110, 40 + day, 1_000_000 + (29 - day) * 25_000, null, null]);
  }
  await sql(insert, ['failing-job', 'pg1', 'succeeded', 1440 + 110, 30, 500_000, null, null]);
  await sql(insert, ['failing-job', 'pg1', 'failed', 110, 3, null, 'connection', 'could not connect to server: Connection refused']);
  await sql(insert, ['late-job', 'pg2', 'succeeded', 1440 + 130, 20, 700_000, null, null]);
  await sql(`insert into pgbackops.restore_runs (definition, target_node, target_database, status, started_at, finished_at, purpose)
             values ('ok-job', 'pg2', 'app_copy', 'succeeded', now() - interval '3 hours', now() - interval '3 hours' + interval '42 seconds', 'restore')`);
});

afterAll(async () => {
  await daemon?.stop('SIGKILL');
  await browser?.close();
  await cluster?.stop();
});

async function openPage(url: string, credentials = true): Promise<{ page: Page; violations: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1360, height: 1000 }, ...(credentials ? { httpCredentials: { username: 'oncall', password: TOKEN } } : {}) });
  const page = await context.newPage();
  const violations: string[] = [];
  await page.exposeFunction('__reportViolation', (what: string) => violations.push(what));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      (window as unknown as { __reportViolation(s: string): void }).__reportViolation(`${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  const problems: string[] = [];
  page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
  page.on('pageerror', (e) => problems.push(e.message));
  await page.goto(url);
  await page.waitForSelector('body[data-rendered]', { timeout: 20_000 }).catch((err: Error) => {
    throw new Error(`${err.message}\nthe page said: ${problems.join('\n')}`);
  });
  return { page, violations };
}

async function tileCounts(page: Page): Promise<Record<string, number>> {
  return page.$$eval('#summary [data-state]', (tiles) => Object.fromEntries(tiles.map((t) => [t.getAttribute('data-state'), Number(t.querySelector('.tile-count')!.textContent!.replace(/,/g, ''))])));
}

async function rowStates(page: Page): Promise<Record<string, string>> {
  return page.$$eval('.definitions tbody tr[data-name]', (rows) => Object.fromEntries(rows.map((r) => [r.getAttribute('data-name'), `${r.getAttribute('data-state')} ${r.querySelector('.chip')!.textContent}`])));
}

const EXPECTED_STATES = {
  'failing-job': 'Failing ✕Failing', 'late-job': 'Late ◷Late', 'new-job': 'Never run ○Never run', 'ok-job': 'Healthy ✓Healthy', 'off-job': 'Unscheduled –Unscheduled',
};

describe('the daemon serves the status page', () => {
  it('needs the credentials when configured, except for the probes; sends a strict CSP', async () => {
    expect((await daemon.get('/healthz')).status).toBe(200);
    const refused = await fetch(`${daemon.url}/`);
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toContain('Basic');
    expect((await fetch(`${daemon.url}/api/page`)).status).toBe(401);
    expect((await fetch(`${daemon.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${daemon.url}/api/page`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    const ok = await fetch(`${daemon.url}/`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-security-policy')).toBe(CSP);
    expect(ok.headers.get('x-content-type-options')).toBe('nosniff');
    expect(ok.headers.get('referrer-policy')).toBe('no-referrer');
    const status = await pgbackops(['status', '--daemon', daemon.url, '--http-auth-file', join(work, 'http-auth'), '--json']);
    expect(status.exitCode, status.stderr).toBe(0);
  });

  it('shows each definition in its state, the counts per state and per node, the next runs and the restores', async () => {
    const { page, violations } = await openPage(daemon.url);
    expect(await tileCounts(page)).toEqual({ Failing: 1, Late: 1, 'Never run': 1, Healthy: 1, Unscheduled: 1 });
    // Its first data came inlined in the page: no second request before the first paint.
    expect(await page.evaluate(() => performance.getEntriesByType('resource').map((r) => new URL(r.name).pathname))).not.toContain('/api/page');
    expect(await page.textContent('#verdict')).toContain('Not covered: 1 failing, 1 late, 1 never run');
    expect(await rowStates(page)).toEqual(EXPECTED_STATES);
    // Worst first.
    expect(await page.$$eval('.definitions tbody tr[data-name]', (rows) => rows.map((r) => r.getAttribute('data-name')))).toEqual(['failing-job', 'late-job', 'new-job', 'ok-job', 'off-job']);
    // The grid: per node, a button per non-zero count that says what it counts.
    expect(await page.getAttribute('#health-grid tr[data-node="pg1"] button[data-state="Failing"]', 'aria-label')).toBe('1 Failing definition on node pg1: show them');
    expect(await page.textContent('#health-grid tr[data-node="pg2"] button[data-state="Late"]')).toBe('1');
    // The timeline of ok-job has its 30 runs, described in words.
    expect(await page.getAttribute('tr[data-name="ok-job"] .timeline-cell', 'aria-label')).toMatch(/^30 runs: 30 succeeded; size /);
    expect(await page.$$eval('tr[data-name="ok-job"] rect.run-succeeded', (r) => r.length)).toBe(30);
    expect(await page.textContent('#next-runs')).toContain('ok-job');
    expect(await page.textContent('#restores')).toContain('pg2/app_copy');
    expect(await page.textContent('#configuration')).toMatch(/Applied revision[0-9a-f]{16,}/);
    expect(violations).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS, 'status-page.png'), fullPage: true });

    // Clicking a count filters the list.
    await page.click('#health-grid tr[data-node="pg2"] button[data-state="Late"]');
    expect(Object.keys(await rowStates(page))).toEqual(['late-job']);
    expect(await page.textContent('#definitions-count')).toBe('1 of 5 definitions: Late on node pg2');
    await page.context().close();
  });

  it('is usable with the keyboard: arrows move, Enter opens the details with the runs, Esc closes and returns', async () => {
    const { page } = await openPage(daemon.url);
    await page.focus('.definitions tbody tr[tabindex="0"]');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowUp');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-name'))).toBe('failing-job');
    await page.keyboard.press('Enter');
    await page.waitForSelector('dialog#details[open]');
    expect(await page.textContent('#details-title')).toBe('failing-job');
    // The runs with what `show` tells, from the daemon.
    await page.waitForSelector('#details .runs code');
    const runs = await page.textContent('#details .runs');
    expect(runs).toContain('failed (connection)');
    expect(runs).toContain('could not connect to server: Connection refused');
    expect(runs).toMatch(/pgbackops show [0-9a-f]{8}/);
    expect(await page.textContent('#details')).toContain('app: connection: could not connect to server');
    await page.screenshot({ path: join(ARTIFACTS, 'status-page-details.png') });
    await page.keyboard.press('Escape');
    await page.waitForSelector('dialog#details:not([open])', { state: 'attached' });
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-name'))).toBe('failing-job');
    // End goes to the last row (the list renders only rows in view; this one must be there and focused).
    await page.keyboard.press('End');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-name'))).toBe('off-job');
    await page.context().close();
  });

  it('the CSP blocks an injected inline script', async () => {
    const { page, violations } = await openPage(daemon.url);
    await page.evaluate(() => {
      const s = document.createElement('script');
      s.textContent = 'window.__injected = true;';
      document.body.appendChild(s);
    });
    await waitFor(() => violations.length > 0, 10_000, () => 'a securitypolicyviolation event');
    expect(violations[0]).toMatch(/^script-src/);
    expect(await page.evaluate(() => (window as unknown as { __injected?: boolean }).__injected)).toBeUndefined();
    await page.context().close();
  });

  it('shows a refused revision with its error beside the applied one', async () => {
    writeFileSync(join(configDir, 'backups.yaml'), definitions + '---\n' + backupDoc({ name: 'BAD_NAME' }));
    await waitFor(async () => (await sql('select last_attempt_error from pgbackops.catalog_state'))[0]?.last_attempt_error, WAIT, () => 'the bad revision refused');
    const { page } = await openPage(daemon.url);
    const alert = await page.textContent('#rejection');
    expect(alert).toMatch(/Revision \S+ invalid: .*backups\.yaml/);
    expect(alert).toContain('The applied revision above is still in force.');
    expect(await page.textContent('#verdict')).toContain('Not covered');
    await page.context().close();
    writeFileSync(join(configDir, 'backups.yaml'), definitions);
  });

  // /status remembers each definition's line and the page its body (status-health-list.ts, page-body.ts):
  // a run recorded by another process must still show, in /status at once, on the page once its data is
  // read again (it is at most 15 seconds old).
  it('shows a run that started and then failed: in /status at once, on the page with its next data', async () => {
    const getJson = async (path: string): Promise<Record<string, any>> => {
      const res = await fetch(`${daemon.url}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(res.status, path).toBe(200);
      return (await res.json()) as Record<string, any>;
    };
    const of = (doc: Record<string, any>, name: string) => (doc.definitions as Array<Record<string, any>>).find((d) => d.name === name)!;
    // Both remembered before the run: /status's lines, the page's data and body.
    for (let i = 0; i < 2; i++) {
      // /status is in the JSON contract (states as identifiers); the page's data keeps its own words.
      expect(of(await getJson('/status'), 'new-job').state).toBe('never_run');
      expect(of(await getJson('/api/page'), 'new-job').state).toBe('Never run');
    }
    const [run] = await sql(`insert into pgbackops.backup_runs (definition, node, backup_server, database, status, started_at)
                             values ('new-job', 'pg2', 'backup01', 'app', 'running', now()) returning id`);
    const running = of(await getJson('/status'), 'new-job');
    expect(running).toMatchObject({ state: 'never_run', last_status: 'running', reason: 'no run has finished yet' });
    await sql(`update pgbackops.backup_runs set status = 'failed', finished_at = now(), failure_reason = 'connection' where id = $1`, [run!.id]);
    const status = await getJson('/status');
    expect(of(status, 'new-job')).toMatchObject({ state: 'failing', last_status: 'failed' });
    expect(status.summary.failing).toBe(2);
    const page = await waitFor(async () => {
      const p = await getJson('/api/page');
      return of(p, 'new-job').state === 'Failing' ? p : null;
    }, WAIT, () => 'the failed run on the page');
    expect(page.summary).toMatchObject({ Failing: 2, 'Never run': 0 });
    expect(of(page, 'new-job').lastFailure).toContain('connection');
    // As it was, for the tests that follow.
    await sql('delete from pgbackops.backup_runs where id = $1', [run!.id]);
    expect(of(await getJson('/status'), 'new-job').state).toBe('never_run');
  });
});

describe('pgbackops status --html FILE', () => {
  it('writes the same page, self-contained, with its data inlined and the CSP in a meta element', async () => {
    const file = join(work, 'page', 'status.html');
    const res = await pgbackops(['status', '--html', file, '--catalog', catalogUrl]);
    expect(res.exitCode, res.stderr).toBe(0);
    expect(res.stdout).toContain('5 definition(s), 3 not healthy');
    expect(statSync(file).mode & 0o777).toBe(0o644);
    const html = readFileSync(file, 'utf8');
    expect(html).not.toMatch(/<(script|link)[^>]+(src|href)=/); // nothing fetched
    expect(html).toContain('<script type="application/json" id="status-page-data">');
    const { page, violations } = await openPage(`file://${file}`, false);
    expect(await tileCounts(page)).toEqual({ Failing: 1, Late: 1, 'Never run': 1, Healthy: 1, Unscheduled: 1 });
    expect(await rowStates(page)).toEqual(EXPECTED_STATES);
    expect(violations).toEqual([]);
    // Details from the inlined timeline (no daemon to ask).
    await page.focus('.definitions tbody tr[tabindex="0"]');
    await page.keyboard.press('Enter');
    await page.waitForSelector('dialog#details[open]');
    expect(await page.textContent('#details .runs')).toContain('failed');
    await page.keyboard.press('Escape');
    await page.evaluate(() => {
      const s = document.createElement('script');
      s.textContent = 'window.__injected = true;';
      document.body.appendChild(s);
    });
    await waitFor(() => violations.length > 0, 10_000, () => 'a securitypolicyviolation event');
    expect(await page.evaluate(() => (window as unknown as { __injected?: boolean }).__injected)).toBeUndefined();
    await page.context().close();
  });
});
