// Directory format with `jobs: 2` vs `jobs: 1`: `pgbackops run` of two definitions that differ only in jobs,
// on a database of several equally sized tables (pg_dump -j parallelises across tables, so one big table
// would show nothing), next to bare `pg_dump -Fd -j N` with the same compression: the bare speed-up says what
// the machine allows (the PostgreSQL server shares its cores). Runs alternate; figures are medians.
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { applyBenchConfig, makeBenchWork, PG_BIN, startBenchCluster } from './cluster.js';
import { cronEnvironment, median, printTable, runCli } from './lib.js';

export async function benchParallelDump({ tables = 8, rowsPerTable = Number(process.env.BENCH_PARALLEL_ROWS ?? 600_000), repeats = 3 } = {}) {
  const cluster = await startBenchCluster('parallel');
  const work = makeBenchWork('parallel');
  try {
    const { socketDir, port, user, env } = cluster;
    execFileSync(`${PG_BIN}/createdb`, ['bench'], { env });
    process.stdout.write(`generating ${tables} tables of ${rowsPerTable} rows...\n`);
    for (let t = 1; t <= tables; t++) {
      execFileSync(`${PG_BIN}/psql`, ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', 'bench', '-c',
        `create unlogged table t${t} (id bigint primary key, customer integer, amount numeric(12,2), note text);
         insert into t${t} select g, g % 9973, (g % 100000) / 100.0, md5(g::text) || ' order ' || g from generate_series(1, ${rowsPerTable}) g;`,
      ], { env, stdio: 'ignore' });
    }
    // VACUUM sets the hint bits of the freshly inserted rows; otherwise whichever dump reads them first pays
    // for setting them (seconds here), which is the table's history, not the dump's cost.
    cluster.psql('vacuum (analyze)', 'bench');
    const size = Number(cluster.psql("select pg_database_size('bench')", 'bench'));

    const definition = (jobs) => `databases: [bench], schedule: "0 1 * * *", format: directory, jobs: ${jobs}, retention: { keepLast: 100 }`;
    applyBenchConfig(work, cluster, { backups: { 'dir-jobs1': definition(1), 'dir-jobs2': definition(2) } });
    const { stateDir, backupRoot } = work;

    // Both sides in cron's environment, as scheduled (see run-job.js).
    const ourEnv = cronEnvironment();
    const bareEnv = cronEnvironment({ PGHOST: socketDir, PGPORT: String(port), PGUSER: user });
    const ours = (jobs) => {
      const name = `dir-jobs${jobs}`;
      const { seconds } = runCli(['run', '--state-dir', stateDir, name], { env: ourEnv, replaceEnv: true });
      const dir = join(backupRoot, 'pg', name, 'db-bench');
      for (const d of readdirSync(dir)) rmSync(join(dir, d), { recursive: true, force: true });
      return seconds;
    };
    const bare = (jobs) => {
      const out = join(work.dir, `bare-${jobs}`);
      const started = process.hrtime.bigint();
      const res = spawnSync(`${PG_BIN}/pg_dump`, ['--format=directory', `--jobs=${jobs}`, '--compress=6', '--no-password', `--file=${out}`, 'bench'], { env: bareEnv, encoding: 'utf8' });
      if (res.status !== 0) throw new Error(`pg_dump failed: ${res.stderr}`);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      rmSync(out, { recursive: true, force: true });
      return seconds;
    };
    // One untimed pass of each (the tables in the OS cache for both), then timed rounds in which the order of
    // the two sides alternates.
    ours(1);
    bare(1);
    const seconds = { 'dir-jobs1': [], 'dir-jobs2': [], bare1: [], bare2: [] };
    for (let i = 0; i < repeats; i++) {
      for (const jobs of [1, 2]) {
        const pair = i % 2 === 0 ? [() => seconds[`dir-jobs${jobs}`].push(ours(jobs)), () => seconds[`bare${jobs}`].push(bare(jobs))]
          : [() => seconds[`bare${jobs}`].push(bare(jobs)), () => seconds[`dir-jobs${jobs}`].push(ours(jobs))];
        for (const run of pair) run();
        process.stdout.write(`  round ${i + 1}/${repeats}, jobs ${jobs}: pgbackops run ${seconds[`dir-jobs${jobs}`][i].toFixed(2)} s, pg_dump ${seconds[`bare${jobs}`][i].toFixed(2)} s\n`);
      }
    }
    const [one, two, bare1, bare2] = ['dir-jobs1', 'dir-jobs2', 'bare1', 'bare2'].map((k) => median(seconds[k]));
    const figures = {
      databaseBytes: size, tables, jobs1Seconds: one, jobs2Seconds: two, speedUp: one / two,
      barePgDump: { jobs1Seconds: bare1, jobs2Seconds: bare2, speedUp: bare1 / bare2 },
      ratioToBare: { jobs1: one / bare1, jobs2: two / bare2 },
    };
    printTable(`directory format, jobs: 2 vs jobs: 1 (gzip 6), ${tables} tables, ${(size / 2 ** 20).toFixed(0)} MiB, median of ${repeats}`, [
      ['pgbackops run, jobs: 1 (s)', one.toFixed(2)],
      ['pgbackops run, jobs: 2 (s)', two.toFixed(2)],
      ['speed-up of pgbackops run: jobs 1 time / jobs 2 time', figures.speedUp.toFixed(2)],
      ['bare pg_dump -j 1 / -j 2 (s)', `${bare1.toFixed(2)} / ${bare2.toFixed(2)}`],
      ['speed-up of bare pg_dump (what this machine allows)', figures.barePgDump.speedUp.toFixed(2)],
      ['pgbackops run / bare pg_dump, jobs 1 / jobs 2', `${figures.ratioToBare.jobs1.toFixed(3)} / ${figures.ratioToBare.jobs2.toFixed(3)}`],
    ]);
    return figures;
  } finally {
    work.remove();
    await cluster.stop();
  }
}
