// Daemon benchmark (issue 4; targets in bench/README.md): commit-to-converged latency with a watched local
// directory (20 edits, median and p90; target median <= 1 s) and with a git remote plus webhook, then the
// daemon's resident memory (target <= 150 MB) and idle CPU with a 10,000-definition fleet after convergence,
// plus the latency of a one-definition edit in that fleet. Uses a local catalog in a temp state dir.
import { spawn, execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, freePort, median, printTable, root, runCli } from './lib.js';

const IDLE_POLL_SECONDS = 10;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

export async function waitFor(fn, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

function readText(file) {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** Daemons still running: stopped in benchDaemon's finally, also when a measurement failed. */
const running = new Set();

/** Starts the daemon; resolves once it logged its first finished pass. */
export async function startDaemon(args, env = {}) {
  const port = await freePort();
  const child = spawn(process.execPath, [cli, 'daemon', '--listen', `127.0.0.1:${port}`, '--maintain-schedule', 'off', '--interval', '3600', ...args], {
    env: { ...process.env, NO_COLOR: '1', PGBACKOPS_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  running.add(child);
  child.once('exit', () => running.delete(child));
  let log = '';
  child.stderr.on('data', (c) => (log += c.toString()));
  const passes = () => (log.match(/"msg":"pass finished"/g) ?? []).length;
  // A 100,000-definition fleet's first pass can take longer on a loaded machine: BENCH_DAEMON_FIRST_PASS_S.
  await waitFor(() => passes() >= 1 || child.exitCode !== null, Number(process.env.BENCH_DAEMON_FIRST_PASS_S ?? 300) * 1000, 'the first pass');
  if (child.exitCode !== null) throw new Error(`daemon exited ${child.exitCode}:\n${log}`);
  return {
    child, port, passes, log: () => log,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
    },
  };
}

/** For the other daemon benchmarks (daemon-status.js): the same start, and a stop of whatever is left running. */
export { startDaemon as startBenchDaemon };
export async function stopBenchDaemons() {
  for (const child of running) child.kill('SIGKILL');
}

export function rssMiB(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : null;
}

export function cpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime in clock ticks (100 Hz)
}

/** Edits one definition's schedule `count` times; returns the seconds from each write to the converged line. */
export async function editLatencies({ count, edit, cronFile, daemon }) {
  const out = [];
  for (let i = 0; i < count; i++) {
    const minute = (i * 7 + 3) % 60;
    const hour = 10 + (i % 10);
    const started = process.hrtime.bigint();
    await edit(`${minute} ${hour} * * *`);
    const line = new RegExp(`^${minute} ${hour} \\* \\* \\* `, 'm');
    await waitFor(() => line.test(readText(cronFile)), 60_000, `edit ${i} converged`).catch((err) => {
      throw new Error(`${err.message}; daemon log:\n${daemon.log().split('\n').slice(-15).join('\n')}`);
    });
    out.push(Number(process.hrtime.bigint() - started) / 1e9);
  }
  return out;
}

export function replaceSchedule(file, schedule) {
  writeFileSync(file, readFileSync(file, 'utf8').replace(/schedule: "[^"]*"/, `schedule: "${schedule}"`));
}

/** A daemon over the fleet in its own local catalog (a first apply, not a replacement of another config). */
async function fleetFigures(fleet, state, env) {
  runCli(['catalog', 'migrate', '--state-dir', state]);
  const startedAt = Date.now();
  // A 10 s poll interval (production default: 60 s), so that the idle window below contains polls.
  const d = await startDaemon(['-c', fleet, '--state-dir', state, '--server', 'backup01', '--interval', String(IDLE_POLL_SECONDS)], env);
  const startToFirstPassSeconds = (Date.now() - startedAt) / 1000;
  await sleep(2000);
  const rssMiBAfterConvergence = rssMiB(d.child.pid);
  const cpuBefore = cpuSeconds(d.child.pid);
  const idleWindow = 30;
  await sleep(idleWindow * 1000);
  const idleCpuShare = (cpuSeconds(d.child.pid) - cpuBefore) / idleWindow;
  const edits = await editLatencies({ count: 5, cronFile: join(state, 'fleet-cron', 'backup01'), daemon: d, edit: (s) => replaceSchedule(join(fleet, 'nodes', 'pg0001.yaml'), s) });
  const rssMiBAfterEdits = rssMiB(d.child.pid);
  await d.stop();
  return { startToFirstPassSeconds, rssMiBAfterConvergence, rssMiBAfterEdits, idleCpuShare, oneEditMedianSeconds: median(edits) };
}

export async function benchDaemon({ edits = 20, gitEdits = 10, fleetDefinitions = 10000, fleetNodes = 1000, fleetServers = 10 } = {}) {
  const work = mkdtempSync(join(tmpdir(), 'pgbackops-bench-daemon-'));
  chmodSync(work, 0o755);
  const stateDir = join(work, 'state');
  const generate = (out, servers, nodes, definitions) =>
    execFileSync(process.execPath, [join(root, 'examples/fleet/generate.mjs'), '--out', out, '--servers', String(servers), '--nodes', String(nodes), '--definitions', String(definitions)]);
  const common = ['--state-dir', stateDir, '--server', 'backup01'];
  const cronFile = join(stateDir, 'fleet-cron', 'backup01');
  const figures = {};
  try {
    runCli(['catalog', 'migrate', '--state-dir', stateDir]);

    // 1. A small configuration in a watched directory.
    const small = join(work, 'small');
    generate(small, 1, 5, 20);
    let d = await startDaemon(['-c', small, ...common]);
    const local = await editLatencies({ count: edits, cronFile, daemon: d, edit: (s) => replaceSchedule(join(small, 'nodes', 'pg0001.yaml'), s) });
    await d.stop();
    figures.localDir = { edits, medianSeconds: median(local), p90Seconds: percentile(local, 90), maxSeconds: Math.max(...local) };

    // 2. The same through a git remote and a webhook.
    const repo = join(work, 'repo');
    execFileSync('git', ['init', '-q', '-b', 'main', repo]);
    generate(join(repo, 'config'), 1, 5, 20);
    const git = (...args) => execFileSync('git', ['-c', 'user.name=bench', '-c', 'user.email=bench@example.org', ...args], { cwd: repo });
    git('add', '-A');
    git('commit', '-q', '-m', 'initial');
    const secretFile = join(work, 'secret');
    writeFileSync(secretFile, 'bench-secret\n', { mode: 0o600 });
    d = await startDaemon(['--repo', repo, '--path', 'config', '--webhook-secret-file', secretFile, ...common]);
    const gitLatencies = await editLatencies({
      count: gitEdits,
      cronFile,
      daemon: d,
      edit: async (s) => {
        replaceSchedule(join(repo, 'config', 'nodes', 'pg0001.yaml'), s);
        git('commit', '-q', '-a', '-m', `schedule ${s}`);
        const body = JSON.stringify({ ref: 'refs/heads/main' });
        const signature = `sha256=${createHmac('sha256', 'bench-secret').update(body).digest('hex')}`;
        const res = await fetch(`http://127.0.0.1:${d.port}/hooks/git`, { method: 'POST', body, headers: { 'x-hub-signature-256': signature } });
        if (res.status !== 202) throw new Error(`webhook answered ${res.status}`);
      },
    });
    await d.stop();
    figures.gitWebhook = { edits: gitEdits, medianSeconds: median(gitLatencies), p90Seconds: percentile(gitLatencies, 90) };

    // 3. The 10,000-definition fleet, with default settings and with the example unit's memory settings.
    const fleet = join(work, 'fleet');
    generate(fleet, fleetServers, fleetNodes, fleetDefinitions);
    figures.fleet = await fleetFigures(fleet, join(work, 'fleet-state'), {});
    figures.fleetTuned = await fleetFigures(fleet, join(work, 'fleet-state-tuned'), { NODE_OPTIONS: '--max-semi-space-size=2', MALLOC_ARENA_MAX: '2' });
    Object.assign(figures.fleet, { definitions: fleetDefinitions, nodes: fleetNodes, servers: fleetServers });

    printTable('Daemon: commit-to-converged latency and footprint (whole process, local catalog)', [
      [`watched dir: ${edits} edits, median (s)`, figures.localDir.medianSeconds.toFixed(3), '<= 1 s'],
      ['watched dir: p90 (s)', figures.localDir.p90Seconds.toFixed(3)],
      [`git + webhook: ${gitEdits} commits, median (s)`, figures.gitWebhook.medianSeconds.toFixed(3)],
      ['git + webhook: p90 (s)', figures.gitWebhook.p90Seconds.toFixed(3)],
      ...[['', figures.fleet], [' (unit settings)', figures.fleetTuned]].flatMap(([label, f]) => [
        [`fleet ${fleetDefinitions}${label}: start to first pass (s)`, f.startToFirstPassSeconds.toFixed(2)],
        [`fleet ${fleetDefinitions}${label}: RSS after convergence (MiB)`, f.rssMiBAfterConvergence?.toFixed(0) ?? 'n/a', '<= 150 MB'],
        [`fleet ${fleetDefinitions}${label}: RSS after 5 edits (MiB)`, f.rssMiBAfterEdits?.toFixed(0) ?? 'n/a', '<= 150 MB'],
        [`fleet ${fleetDefinitions}${label}: idle CPU, ${IDLE_POLL_SECONDS} s polls (share of a core)`, f.idleCpuShare.toFixed(4)],
        [`fleet ${fleetDefinitions}${label}: one edit, median of 5 (s)`, f.oneEditMedianSeconds.toFixed(3)],
      ]),
    ]);
    return figures;
  } finally {
    for (const child of running) child.kill('SIGKILL');
    for (const dir of [stateDir, join(work, 'fleet-state'), join(work, 'fleet-state-tuned')]) {
      try { runCli(['catalog', 'stop', '--state-dir', dir]); } catch { /* already stopped, or never started */ }
    }
    if (existsSync(work)) rmSync(work, { recursive: true, force: true });
  }
}

// `node bench/daemon.js` runs it alone.
if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  await benchDaemon();
}
