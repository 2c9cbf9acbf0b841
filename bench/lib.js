// Helpers shared by the benchmarks: run the built CLI as a whole process and measure wall time and peak RSS.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('..', import.meta.url));
export const cli = fileURLToPath(new URL('../bin/pgbackops.js', import.meta.url));
const gnuTime = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;

/**
 * Runs `pgbackops ...args`; returns exit code, stdout, wall seconds, peak RSS in MiB and CPU seconds (user +
 * system: what a loaded machine inflates least) (both null without GNU time).
 * `env` is added to this process's environment, or replaces it with `replaceEnv: true` (cron's environment);
 * `nodeArgs` go to node itself (`--cpu-prof` is refused in NODE_OPTIONS).
 */
export function runCli(args, { env = {}, allowExit = [0], replaceEnv = false, nodeArgs = [] } = {}) {
  const node = [process.execPath, ...nodeArgs, cli, ...args];
  const argv = gnuTime ? [gnuTime, '-f', '__RSS_KB=%M __CPU=%U+%S', ...node] : node;
  const started = process.hrtime.bigint();
  const res = spawnSync(argv[0], argv.slice(1), { env: replaceEnv ? env : { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 1 << 30 });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const rss = /__RSS_KB=(\d+)/.exec(res.stderr ?? '');
  const cpu = /__CPU=([\d.]+)\+([\d.]+)/.exec(res.stderr ?? '');
  if (!allowExit.includes(res.status)) {
    throw new Error(`pgbackops ${args.join(' ')} exited ${res.status}:\n${res.stderr}`);
  }
  return { status: res.status, stdout: res.stdout, stderr: res.stderr, seconds, rssMiB: rss ? Number(rss[1]) / 1024 : null, cpuSeconds: cpu ? Number(cpu[1]) + Number(cpu[2]) : null };
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function printTable(title, rows) {
  process.stdout.write(`\n${title}\n`);
  const width = Math.max(...rows.map((r) => r[0].length));
  for (const [label, value, target] of rows) {
    process.stdout.write(`  ${label.padEnd(width)}  ${String(value).padStart(12)}${target ? `   (target ${target})` : ''}\n`);
  }
}

/**
 * The environment cron gives a job (Debian's cron: HOME, LOGNAME, SHELL and the PATH the schedule sets), which
 * is what a scheduled `pgbackops run` and a scheduled pg_dump start in. A login shell's environment can cost a
 * Node process more than it costs pg_dump: NODE_EXTRA_CA_CERTS, for one, is read at every Node start.
 */
export function cronEnvironment(extra = {}) {
  return {
    HOME: process.env.HOME ?? '/root',
    LOGNAME: process.env.LOGNAME ?? process.env.USER ?? 'root',
    SHELL: '/bin/sh',
    PATH: '/usr/local/bin:/usr/bin:/bin',
    ...extra,
  };
}

/** Median milliseconds Node takes to start and exit (`node -e 0`) in `env`, over `n` starts. */
export function nodeStartMs(env, n = 9) {
  const times = [];
  for (let i = 0; i < n; i++) {
    const started = process.hrtime.bigint();
    spawnSync(process.execPath, ['-e', '0'], { env });
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  return median(times);
}

/** A loopback TCP port nothing listens on now (the kernel's pick), for a daemon's or a cluster's listener. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/**
 * Where a command's time goes, phase by phase: `runs` starts of `pgbackops ...args` with PGBACKOPS_TIMELINE
 * set (src/adapters/os/timeline.ts: each process appends the milliseconds since its start at which it reached
 * each mark), then the median of each mark over the starts and of each phase (from the mark before). `env` as
 * runCli's (with `replaceEnv`); `after` runs after each start (to remove what the run wrote).
 */
export function phaseTimeline(args, { env = {}, replaceEnv = false, runs = 7, after = () => {} } = {}) {
  const file = join(mkdtempSync(join(tmpdir(), 'pgbackops-timeline-')), 'marks.jsonl');
  const cpu = [];
  for (let i = 0; i < runs; i++) {
    const res = runCli(args, { env: { ...env, PGBACKOPS_TIMELINE: file }, replaceEnv });
    if (res.cpuSeconds !== null) cpu.push(res.cpuSeconds * 1000);
    after();
  }
  // One line per process; the last is the command's own (a root process acting as the job user starts the
  // command again in a child, whose line comes first).
  const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l).marks);
  rmSync(dirname(file), { recursive: true, force: true });
  const names = Object.keys(lines.at(-1));
  const marks = lines.filter((m) => Object.keys(m).join() === names.join());
  return {
    phases: names.map((name, i) => ({
      mark: name,
      atMs: median(marks.map((m) => m[name])),
      phaseMs: median(marks.map((m) => m[name] - (i === 0 ? 0 : m[names[i - 1]]))),
    })),
    cpuMs: cpu.length ? median(cpu) : null,
  };
}

/** Prints phaseTimeline's answer: each mark's time since the process started and the phase that ends there. */
export function printPhases(title, { phases, cpuMs }) {
  process.stdout.write(`\n${title}\n  ${'reached'.padEnd(22)}${'at (ms)'.padStart(10)}${'phase (ms)'.padStart(12)}\n`);
  for (const p of phases) process.stdout.write(`  ${p.mark.padEnd(22)}${p.atMs.toFixed(1).padStart(10)}${p.phaseMs.toFixed(1).padStart(12)}\n`);
  if (cpuMs !== null) process.stdout.write(`  CPU of the process and its children, median: ${cpuMs.toFixed(0)} ms\n`);
}
