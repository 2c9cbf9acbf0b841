// Status page benchmark (issue 18: a page for 10,000 definitions renders in <= 1 s): fleets of 1,000 and
// 10,000 definitions (examples/fleet) with 30 days of nightly runs each (some failing, late or never run),
// served by a daemon over a local catalog. Measures the daemon's GET /api/page (time and size) and, in
// chromium (playwright-core), the page: data loaded and parsed, DOM built and first render painted, from the
// script's start, plus navigation to painted; and `status --html` (time, file size, render of the file).
// Prints growth between the sizes. Saves a screenshot per size in bench/out/.
import { spawn, execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, freePort, median, printTable, root, runCli } from './lib.js';
import { withLocalCatalog } from './local-catalog.js';

const CHROMIUM = process.env.PGBACKOPS_CHROMIUM ?? '/usr/bin/chromium';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** 30 nightly runs per definition, sizes growing; every 50th definition failing, late or never run. */
export function recordRuns(stateDir) {
  return withLocalCatalog(stateDir, async (client) => {
    await client.query(`
      with d as (select name, spec->>'node' as node, abs(hashtext(name)) % 50 as kind, abs(hashtext(name)) % 97 as weight
                   from pgbackops.definitions),
           n as (select name, spec->>'backupServer' as server from pgbackops.nodes)
      insert into pgbackops.backup_runs (definition, node, backup_server, database, backup_type, format, status, started_at, finished_at, bytes, failure_reason, failure_detail)
      select d.name, d.node, n.server, 'app', 'full', 'custom',
             case when d.kind = 0 and g = 0 then 'failed' else 'succeeded' end,
             now() - make_interval(days => g, mins => 30),
             now() - make_interval(days => g, mins => 30) + make_interval(secs => 20 + d.weight * 3 + g),
             case when d.kind = 0 and g = 0 then null else (5000000 + d.weight * 900000) * (1 + (30 - g) * 0.004) end::bigint,
             case when d.kind = 0 and g = 0 then 'connection' end,
             case when d.kind = 0 and g = 0 then 'could not connect to server: Connection refused' end
        from d join n on n.name = d.node, generate_series(0, 29) g
       where d.kind <> 1 and not (d.kind = 2 and g < 3)`);
    return Number((await client.query('select count(*) from pgbackops.backup_runs')).rows[0].count);
  });
}

async function startDaemon(config, stateDir) {
  const port = await freePort();
  const child = spawn(process.execPath, [cli, 'daemon', '-c', config, '--state-dir', stateDir, '--server', 'backup01', '--listen', `127.0.0.1:${port}`, '--maintain-schedule', 'off', '--interval', '3600'], {
    env: { ...process.env, NO_COLOR: '1', PGBACKOPS_LOG_LEVEL: 'info' }, stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  child.stderr.on('data', (c) => (log += c));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 300_000;
  while (!/"msg":"pass finished"|pass (applied|converged|unchanged)/.test(log)) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`daemon did not finish its first pass:\n${log.slice(-2000)}`);
    await sleep(100);
  }
  return { url, stop: () => new Promise((resolve) => { child.once('exit', resolve); child.kill('SIGTERM'); }) };
}

/** Time and size on the wire (node:http does not decompress, unlike fetch). */
async function timeFetch(url, headers = {}) {
  const t = performance.now();
  const bytes = await new Promise((resolve, reject) => {
    get(url, { headers }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`${url}: ${res.statusCode}`));
      let n = 0;
      res.on('data', (c) => (n += c.length));
      res.on('end', () => resolve(n));
    }).on('error', reject);
  });
  return { ms: performance.now() - t, bytes };
}

async function browserFigures(browser, url, screenshot) {
  const figures = [];
  for (let i = 0; i < 3; i++) {
    const context = await browser.newContext({ viewport: { width: 1360, height: 1100 } });
    const page = await context.newPage();
    await page.goto(url);
    await page.waitForSelector('body[data-rendered]', { timeout: 120_000 });
    const f = await page.evaluate(() => ({ ...window.__statusPage, navigationMs: Math.round(performance.now()) }));
    if (screenshot && i === 0) await page.screenshot({ path: screenshot });
    figures.push(f);
    await context.close();
  }
  return {
    loadMs: median(figures.map((f) => f.loadMs)), builtMs: median(figures.map((f) => f.builtMs)), renderMs: median(figures.map((f) => f.renderMs)), navigationMs: median(figures.map((f) => f.navigationMs)),
    definitions: figures[0].definitions,
  };
}

export async function benchStatusPage({ sizes = [1000, 10000] } = {}) {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: process.getuid?.() === 0 ? ['--no-sandbox'] : [] });
  const out = join(root, 'bench', 'out');
  mkdirSync(out, { recursive: true });
  const results = {};
  try {
    for (const definitions of sizes) {
      const work = mkdtempSync(join(tmpdir(), 'pgbackops-bench-page-'));
      chmodSync(work, 0o755);
      const config = join(work, 'config');
      const stateDir = join(work, 'state');
      execFileSync(process.execPath, [join(root, 'examples/fleet/generate.mjs'), '--out', config, '--servers', '10', '--nodes', String(definitions / 10), '--definitions', String(definitions)]);
      let daemon = null;
      try {
        runCli(['apply', '--yes', '-c', config, '--state-dir', stateDir, '--server', 'backup01']);
        const runs = await recordRuns(stateDir);
        daemon = await startDaemon(config, stateDir);
        // The first read is cold; the daemon then serves its data for 15 s while it reads again.
        const api = [];
        for (let i = 0; i < 3; i++) api.push(await timeFetch(`${daemon.url}/api/page`));
        const gz = await timeFetch(`${daemon.url}/api/page`, { 'accept-encoding': 'gzip' });
        const served = await browserFigures(browser, `${daemon.url}/`, join(out, `status-page-${definitions}.png`));
        const file = join(work, 'status.html');
        const html = runCli(['status', '--html', file, '--state-dir', stateDir]);
        const written = await browserFigures(browser, `file://${file}`, null);
        results[definitions] = {
          runs, apiColdMs: api[0].ms, apiMs: median(api.slice(1).map((a) => a.ms)), apiBytes: api[0].bytes, apiGzipBytes: gz.bytes, served,
          htmlSeconds: html.seconds, htmlBytes: statSync(file).size, written,
        };
      } finally {
        await daemon?.stop();
        try { runCli(['catalog', 'stop', '--state-dir', stateDir]); } catch { /* not started */ }
        rmSync(work, { recursive: true, force: true });
      }
    }
  } finally {
    await browser.close();
  }
  const [a, b] = sizes;
  const exponent = (f) => (Math.log(f(results[b]) / f(results[a])) / Math.log(b / a)).toFixed(2);
  const rows = sizes.flatMap((n) => {
    const r = results[n];
    return [
      [`${n} definitions (${r.runs.toLocaleString('en')} runs): GET /api/page, first read of a daemon just started (ms)`, r.apiColdMs.toFixed(0)],
      [`${n}: GET /api/page, from the daemon's cache (ms, median of 2)`, r.apiMs.toFixed(0)],
      [`${n}: /api/page size (MiB; gzip)`, `${(r.apiBytes / 1048576).toFixed(2)}; ${(r.apiGzipBytes / 1048576).toFixed(2)}`],
      [`${n}: browser, data loaded and parsed (ms from script start)`, r.served.loadMs],
      [`${n}: browser, DOM built (ms from script start)`, r.served.builtMs],
      [`${n}: browser, first render painted (ms from script start)`, r.served.renderMs, '<= 1000 ms at 10,000'],
      [`${n}: browser, navigation start to painted (ms)`, r.served.navigationMs],
      [`${n}: status --html (s, whole process; file MiB)`, `${r.htmlSeconds.toFixed(2)}; ${(r.htmlBytes / 1048576).toFixed(2)}`],
      [`${n}: written file, painted (ms from script start)`, r.written.renderMs, '<= 1000 ms at 10,000'],
    ];
  });
  rows.push([`growth ${a} -> ${b}: /api/page first read, time exponent`, exponent((r) => r.apiColdMs)]);
  rows.push([`growth ${a} -> ${b}: /api/page from the cache, time exponent`, exponent((r) => r.apiMs)]);
  rows.push([`growth ${a} -> ${b}: browser render (served) exponent`, exponent((r) => r.served.renderMs)]);
  rows.push([`growth ${a} -> ${b}: browser render (written file) exponent`, exponent((r) => r.written.renderMs)]);
  printTable('Status page (daemon over a local catalog, chromium)', rows);
  return results;
}
