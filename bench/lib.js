// Helpers shared by the benchmarks: run the built CLI as a whole process and measure wall time and peak RSS.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
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
