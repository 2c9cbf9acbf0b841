// Daemon /status benchmark (issue 10, item 14): a real daemon over 1,000 and 10,000 definitions on its server
// (local catalog, a watched directory). Measures GET /status latency (the first, cold, and the median of the
// next ones), GET /healthz latency while /status requests are being served back to back (what a liveness
// probe sees), and the daemon's RSS before and after many /status requests (after a pause, so that what is
// left is lasting growth, not garbage not yet collected). Targets: /status at 10,000 <= 100 ms, /healthz while
// /status is served <= 50 ms, no lasting RSS growth.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { median, printTable, root, runCli } from './lib.js';
import { startBenchDaemon, stopBenchDaemons } from './daemon.js';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * GET /status back to back until told to stop; answers how many were served. A request may meet a
 * keep-alive connection the daemon is closing: counted as dropped, not fatal.
 */
/** Rounds of /status requests after which RSS is read (BENCH_STATUS_ROUNDS). */
const ROUNDS = Number(process.env.BENCH_STATUS_ROUNDS ?? 4);
const STATUS_LOAD = `
const { parentPort, workerData } = require('node:worker_threads');
let serving = true;
parentPort.once('message', () => { serving = false; });
(async () => {
  let served = 0, dropped = 0;
  while (serving) {
    try { const res = await fetch(workerData.url); await res.text(); served++; } catch { dropped++; }
  }
  parentPort.postMessage({ served, dropped });
})();
`;

function rssMiB(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : null;
}

async function timedGet(url) {
  const started = process.hrtime.bigint();
  const res = await fetch(url);
  const body = await res.text();
  if (res.status !== 200) throw new Error(`${url} answered ${res.status}: ${body.slice(0, 200)}`);
  return { ms: Number(process.hrtime.bigint() - started) / 1e6, body };
}

function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function figuresFor(definitions, work, requests) {
  const fleet = join(work, `fleet-${definitions}`);
  const state = join(work, `state-${definitions}`);
  execFileSync(process.execPath, [join(root, 'examples/fleet/generate.mjs'), '--out', fleet, '--servers', '1', '--nodes', String(Math.max(1, definitions / 10)), '--definitions', String(definitions)]);
  runCli(['catalog', 'migrate', '--state-dir', state]);
  const d = await startBenchDaemon(['-c', fleet, '--state-dir', state, '--server', 'backup01']);
  try {
    const status = `http://127.0.0.1:${d.port}/status`;
    const healthz = `http://127.0.0.1:${d.port}/healthz`;
    await sleep(1000);
    // /healthz with nothing else to do: what a busy machine costs any request, for comparison.
    const idle = [];
    for (let i = 0; i < 20; i++) idle.push((await timedGet(healthz)).ms);
    const rssBefore = rssMiB(d.child.pid);
    const cold = await timedGet(status);
    const shown = JSON.parse(cold.body).definitions.length;
    if (shown !== definitions) throw new Error(`/status shows ${shown} definitions, expected ${definitions}`);
    const warm = [];
    for (let i = 0; i < requests; i++) warm.push((await timedGet(status)).ms);

    // /healthz every 5 ms while /status requests run back to back. The /status load runs in a worker thread:
    // reading a 2 MiB body on this thread would delay the probe's own response handling and count the
    // client's work as the daemon's.
    const statusLoad = new Worker(STATUS_LOAD, { eval: true, workerData: { url: status } });
    const loadDone = new Promise((resolve, reject) => { statusLoad.once('message', resolve); statusLoad.once('error', reject); });
    const probes = [];
    const probeUntil = Date.now() + 5000;
    while (Date.now() < probeUntil) {
      probes.push((await timedGet(healthz)).ms);
      await sleep(5);
    }
    statusLoad.postMessage('stop');
    const { served: servedDuringProbes, dropped } = await loadDone;
    await statusLoad.terminate();

    await sleep(3000);
    const rssAfter = rssMiB(d.child.pid);
    // As many again, three times: lasting growth shows as a step up after every round, while garbage not yet
    // returned and the heap settling at its working size level off.
    const rssRounds = [rssAfter];
    const heapRounds = [];
    for (let round = 2; round <= ROUNDS; round++) {
      let last = null;
      for (let i = 0; i < 1 + requests + servedDuringProbes; i++) last = await timedGet(status);
      // The daemon's own heap figure, from the round's last answer: a leak grows it, a heap V8 has not
      // shrunk yet does not.
      heapRounds.push(JSON.parse(last.body).memory?.heap_used_mib ?? null);
      await sleep(3000);
      rssRounds.push(rssMiB(d.child.pid));
    }
    const rssAfterTwice = rssRounds[1];
    return {
      healthzIdleMedianMs: median(idle), rssMiBAfterTwice: rssAfterTwice, rssMiBAfterRounds: rssRounds, heapUsedMiBAfterRounds: heapRounds, droppedStatusRequests: dropped,
      definitions, statusColdMs: cold.ms, statusMedianMs: median(warm), statusP90Ms: percentile(warm, 90), statusBytes: cold.body.length,
      healthzMedianMs: median(probes), healthzMaxMs: Math.max(...probes), healthzProbes: probes.length, servedDuringProbes,
      statusRequests: 1 + requests + servedDuringProbes, rssMiBBefore: rssBefore, rssMiBAfter: rssAfter,
    };
  } finally {
    await d.stop();
    try { runCli(['catalog', 'stop', '--state-dir', state]); } catch { /* already stopped */ }
  }
}

export async function benchDaemonStatus({ sizes = (process.env.BENCH_STATUS_SIZES ?? '1000,10000').split(',').map(Number), requests = Number(process.env.BENCH_STATUS_REQUESTS ?? 50) } = {}) {
  const work = mkdtempSync(join(tmpdir(), 'pgbackops-bench-status-'));
  chmodSync(work, 0o755);
  try {
    const results = [];
    for (const size of sizes) results.push(await figuresFor(size, work, requests));
    const [small, large] = results;
    const exponent = (a, b) => (small && large ? (Math.log(b / a) / Math.log(large.definitions / small.definitions)).toFixed(2) : 'n/a');
    printTable('Daemon /status: latency, /healthz while /status is served, RSS (whole process, local catalog)', [
      ...results.flatMap((r) => [
        [`${r.definitions} definitions: /status first request (ms)`, r.statusColdMs.toFixed(1)],
        [`${r.definitions} definitions: /status median of ${requests} (ms)`, r.statusMedianMs.toFixed(1), r.definitions === 10000 ? '<= 100 ms' : undefined],
        [`${r.definitions} definitions: /status p90 (ms)`, r.statusP90Ms.toFixed(1)],
        [`${r.definitions} definitions: /status body (KiB)`, (r.statusBytes / 1024).toFixed(0)],
        [`${r.definitions} definitions: /healthz alone, median (ms)`, r.healthzIdleMedianMs.toFixed(1)],
        [`${r.definitions} definitions: /healthz during /status, median (ms)`, r.healthzMedianMs.toFixed(1)],
        [`${r.definitions} definitions: /healthz during /status, max of ${r.healthzProbes} (ms)`, r.healthzMaxMs.toFixed(1), '<= 50 ms'],
        [`${r.definitions} definitions: RSS before (MiB)`, r.rssMiBBefore?.toFixed(0) ?? 'n/a'],
        [`${r.definitions} definitions: RSS after ${r.statusRequests} /status + 3 s (MiB)`, r.rssMiBAfter?.toFixed(0) ?? 'n/a', 'no lasting growth'],
        ...(r.rssMiBAfterRounds ?? []).slice(1).map((rss, i) => [`${r.definitions} definitions: RSS after ${(i + 2) * r.statusRequests} /status + 3 s (MiB)`, `${rss.toFixed(0)} (heap used ${r.heapUsedMiBAfterRounds?.[i]?.toFixed(0) ?? 'n/a'})`, 'no lasting growth']),
      ]),
      ['growth exponent 1k -> 10k: /status median', exponent(small?.statusMedianMs, large?.statusMedianMs)],
    ]);
    return results;
  } finally {
    await stopBenchDaemons();
    if (existsSync(work)) rmSync(work, { recursive: true, force: true });
  }
}
