// `pgbackops run` of a pgbackrest definition vs bare `pgbackrest backup` of the same type on the same data
// (pgbench tables, scale PGBACKOPS_BENCH_PGBACKREST_SCALE, default 70 ≈ 1 GB): interleaved pairs, the order
// alternating, medians of each side, of the per-pair ratios and of the per-pair differences. Both back up
// the same stanza of the same repository, as the PostgreSQL OS user (pgBackRest's requirement; the user a
// schedule line runs `pgbackops run` as), and the time each side spends outside pgBackRest's own duration.
// The ratio's target (≤ 1.03) is for a ≥ 1 GB cluster on a quiet machine; what transfers from a small scale or
// a loaded machine is what pgbackops adds around pgBackRest, which does not grow with the data: its start-up
// (process start to pgBackRest's `backup command begin`, minus the same span of the bare command), its
// finish (`backup command end` to exit: `pgbackrest info`, recording), and the CPU it adds (user + system of
// the whole process tree, GNU time, minus the bare command's).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { applyBenchConfig, generatePgbenchDatabase, makeBenchWork, PG_BIN, startBenchCluster } from './cluster.js';
import { cli, median, printTable } from './lib.js';

const gnuTime = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;

export async function benchPgbackrest({ scale = Number(process.env.PGBACKOPS_BENCH_PGBACKREST_SCALE ?? 70), repeats = 5, type = process.env.PGBACKOPS_BENCH_PGBACKREST_TYPE ?? 'full' } = {}) {
  const cluster = await startBenchCluster('pgbr');
  const work = makeBenchWork('pgbr');
  try {
    const { socketDir, port, dataDir } = cluster;
    const { backupRoot, stateDir } = work;
    const pgbrConfig = join(backupRoot, '_pgbackrest', 'pgbackrest.conf');
    cluster.psql('alter system set archive_mode = on');
    cluster.psql(`alter system set archive_command = 'pgbackrest --config=${pgbrConfig} --stanza=pg archive-push %p'`);
    spawnSync('runuser', ['-u', 'postgres', '--', `${PG_BIN}/pg_ctl`, 'restart', '-D', dataDir, '-w', '-m', 'fast', '-l', join(cluster.base, 'postgres.log')], { stdio: 'ignore' });
    const size = generatePgbenchDatabase(cluster, { scale, unlogged: false });

    const definition = (backupType, schedule) => `method: pgbackrest, backupType: ${backupType}, schedule: "${schedule}", retention: { keepLast: 1000 }`;
    applyBenchConfig(work, cluster, {
      scheduler: `{ type: cron.d, file: ${join(work.dir, 'cron', 'pgbackops')}, user: postgres }`,
      nodeSpec: `pgbackrest: { pgPath: ${dataDir}, pgSocketPath: ${socketDir}, pgPort: ${port} }`,
      backups: { 'bench-full': definition('full', '0 1 * * 0'), ...(type === 'full' ? {} : { [`bench-${type}`]: definition(type, '0 1 * * *') }) },
    });
    // Both sides as the job user, as a schedule line runs them (the cron.d entry's user is postgres): a root
    // caller would add pgbackops' hand-over to the job user (a second process start) that no scheduled run pays.
    // pgBackRest's own duration of each backup ("backup command end: completed successfully (N ms)" in its log)
    // splits each side's wall time into pgBackRest's work and what is around it.
    // Its log's lines of the last backup: when it began and ended (local time, ms), and its own duration.
    const backupLog = join(backupRoot, '_pgbackrest', 'log', 'pg-backup.log');
    const lastBackupInLog = () => {
      const log = readFileSync(backupLog, 'utf8');
      const at = (re) => { const m = [...log.matchAll(re)].at(-1); return { ms: new Date(m[1].replace(' ', 'T')).getTime(), m }; };
      const begin = at(/^(\S+ \S+) P00 +INFO: backup command begin/gm);
      const end = at(/^(\S+ \S+) P00 +INFO: backup command end: completed successfully \((\d+)ms\)/gm);
      return { beginMs: begin.ms, endMs: end.ms, seconds: Number(end.m[2]) / 1000 };
    };
    const timed = (argv) => {
      const startedMs = Date.now();
      const started = process.hrtime.bigint();
      const command = ['runuser', '-u', 'postgres', '--', ...argv];
      const res = spawnSync(gnuTime ?? command[0], gnuTime ? ['-f', '__CPU=%U+%S', ...command] : command.slice(1), { encoding: 'utf8', cwd: '/' });
      if (res.status !== 0) throw new Error(`${argv.join(' ')} failed: ${res.stderr}`);
      const wall = Number(process.hrtime.bigint() - started) / 1e9;
      const exitedMs = startedMs + wall * 1000;
      const cpu = /__CPU=([\d.]+)\+([\d.]+)/.exec(res.stderr ?? '');
      const log = lastBackupInLog();
      return {
        wall, around: wall - log.seconds, beforeMs: log.beginMs - startedMs, afterMs: exitedMs - log.endMs,
        cpuSeconds: cpu ? Number(cpu[1]) + Number(cpu[2]) : null,
      };
    };
    const bare = () => timed(['pgbackrest', `--config=${pgbrConfig}`, '--stanza=pg', `--type=${type}`, 'backup']);
    const ours = () => timed([process.execPath, cli, 'run', '--state-dir', stateDir, `bench-${type}`]);
    bare(); // warm-up (and the full a diff/incr is taken against)
    ours();
    const b = [];
    const o = [];
    for (let i = 0; i < repeats; i++) {
      if (i % 2 === 0) { b.push(bare()); o.push(ours()); } else { o.push(ours()); b.push(bare()); }
    }
    const ratios = o.map((x, i) => x.wall / b[i].wall);
    const diffs = o.map((x, i) => x.wall - b[i].wall);
    const pairMedian = (f) => median(o.map((x, i) => f(x) - f(b[i])));
    const result = {
      scale, type, databaseBytes: Number(size), pairs: repeats,
      bareMedianS: median(b.map((x) => x.wall)), oursMedianS: median(o.map((x) => x.wall)), ratioMedian: median(ratios), addedMedianS: median(diffs),
      bareAroundPgbackrestS: median(b.map((x) => x.around)), oursAroundPgbackrestS: median(o.map((x) => x.around)),
      // What pgbackops adds before pgBackRest begins and after it ends (ms, median of pairs), and in CPU.
      startupAddedMs: pairMedian((x) => x.beforeMs), finishAddedMs: pairMedian((x) => x.afterMs),
      cpuAddedS: gnuTime ? pairMedian((x) => x.cpuSeconds) : null,
    };
    printTable(`pgbackops run (pgbackrest ${type}) vs bare pgbackrest backup, pgbench scale ${scale} (${(Number(size) / 2 ** 20).toFixed(0)} MiB), ${repeats} pairs`, [
      ['', 'median s'],
      ['bare pgbackrest backup', result.bareMedianS.toFixed(2)],
      ['pgbackops run', result.oursMedianS.toFixed(2)],
      ['ratio (median of pairs)', result.ratioMedian.toFixed(3), '<= 1.03 on a >= 1 GB cluster (scale 70), quiet machine'],
      ['added per run (median of pairs)', result.addedMedianS.toFixed(2)],
      ['outside pgBackRest\'s own duration: bare', result.bareAroundPgbackrestS.toFixed(2)],
      ['outside pgBackRest\'s own duration: pgbackops run', result.oursAroundPgbackrestS.toFixed(2)],
      ['added before pgBackRest begins (ms)', result.startupAddedMs.toFixed(0)],
      ['added after pgBackRest ends (ms)', result.finishAddedMs.toFixed(0)],
      ['CPU added per run (s, user + system)', result.cpuAddedS === null ? 'n/a (no GNU time)' : result.cpuAddedS.toFixed(3)],
    ]);
    return result;
  } finally {
    work.remove();
    await cluster.stop();
  }
}
