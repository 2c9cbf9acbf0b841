// `pgbackops run` vs bare pg_dump with the same arguments on a generated database (pgbench tables, ~1 GB by
// default): wall-time ratio (target <= 1.05) and peak RSS of each. The machine may be shared and timings are
// noisy, so the two run interleaved in pairs (the order alternating, so that neither always follows the
// other), after one untimed warm-up of each, and the figures are medians: of each side, of the per-pair
// ratios, and of the per-pair differences (what pgbackops adds per run).
// Both sides run twice: in cron's environment, as a schedule starts them (the target applies there), and in
// this shell's, whose settings may slow every Node start (NODE_EXTRA_CA_CERTS: ~40 ms on the benchmark VM).
// Then the run's phases (Node's start, the catalog, the lock and sweep, the records, pg_dump, the exit) from
// the marks it leaves with PGBACKOPS_TIMELINE; a small `--scale` (1) makes the fixed cost the whole figure.
import { spawnSync } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { applyBenchConfig, generatePgbenchDatabase, makeBenchWork, PG_BIN, startBenchCluster } from './cluster.js';
import { cronEnvironment, median, nodeStartMs, phaseTimeline, printPhases, printTable, runCli } from './lib.js';

export async function benchRunJob({ scale = 70, repeats = 7 } = {}) {
  const cluster = await startBenchCluster('run');
  const work = makeBenchWork('run');
  try {
    const size = generatePgbenchDatabase(cluster, { scale, unlogged: true });
    applyBenchConfig(work, cluster, {
      backups: { 'bench-full': 'databases: [bench], schedule: "0 1 * * *", format: custom, compression: { method: gzip, level: 6 }, retention: { keepLast: 100 }' },
    });
    const { stateDir, backupRoot } = work;
    const { socketDir, port, user, env } = cluster;

    const dumpDir = join(backupRoot, 'pg', 'bench-full', 'db-bench');
    // Each side runs in the environment it gets when scheduled: cron's (the headline figures), and then in
    // this shell's, which may hold settings that slow every Node start (reported, with their cost).
    const environments = {
      cron: { pgDump: cronEnvironment({ PGHOST: socketDir, PGPORT: String(port), PGUSER: user, PGDATABASE: 'bench' }), ours: cronEnvironment() },
      shell: { pgDump: { ...env, PGDATABASE: 'bench' }, ours: { ...process.env } },
    };
    const barePgDump = (i, envs) => {
      const out = join(work.dir, `bare-${i}.pgdump`);
      const started = process.hrtime.bigint();
      const res = spawnSync('/usr/bin/time', ['-f', '__RSS_KB=%M', `${PG_BIN}/pg_dump`, '--format=custom', '--compress=6', '--no-password', `--file=${out}`], {
        env: envs.pgDump, encoding: 'utf8',
      });
      if (res.status !== 0) throw new Error(`pg_dump failed: ${res.stderr}`);
      rmSync(out, { force: true });
      return { seconds: Number(process.hrtime.bigint() - started) / 1e9, rssMiB: Number(/__RSS_KB=(\d+)/.exec(res.stderr)[1]) / 1024 };
    };
    const removeDumps = () => {
      for (const d of readdirSync(dumpDir)) rmSync(join(dumpDir, d), { recursive: true, force: true });
    };
    const pgbackopsRun = (envs) => {
      const run = runCli(['run', '--state-dir', stateDir, 'bench-full'], { env: envs.ours, replaceEnv: true });
      removeDumps();
      // The pg_dump child's RSS is not in /usr/bin/time's figure for node; report node's own peak.
      return { seconds: run.seconds, rssMiB: run.rssMiB ?? 0 };
    };
    const measure = (label, envs) => {
      barePgDump('warm-up', envs);
      pgbackopsRun(envs);
      const bare = [];
      const ours = [];
      for (let i = 0; i < repeats; i++) {
        if (i % 2 === 0) {
          bare.push(barePgDump(i, envs));
          ours.push(pgbackopsRun(envs));
        } else {
          ours.push(pgbackopsRun(envs));
          bare.push(barePgDump(i, envs));
        }
        process.stdout.write(`  ${label} environment, pair ${i + 1}/${repeats}: pg_dump ${bare[i].seconds.toFixed(2)} s, pgbackops run ${ours[i].seconds.toFixed(2)} s\n`);
      }
      const bareS = median(bare.map((r) => r.seconds));
      const oursS = median(ours.map((r) => r.seconds));
      return {
        barePgDumpSeconds: bareS,
        pgbackopsRunSeconds: oursS,
        ratio: oursS / bareS,
        medianPairRatio: median(ours.map((r, i) => r.seconds / bare[i].seconds)),
        medianPairOverheadSeconds: median(ours.map((r, i) => r.seconds - bare[i].seconds)),
        // Noise on a shared VM only ever adds time: the fastest of each side is the least disturbed figure.
        ratioOfBest: Math.min(...ours.map((r) => r.seconds)) / Math.min(...bare.map((r) => r.seconds)),
        nodeStartMs: nodeStartMs(envs.ours),
        barePgDumpPeakRssMiB: Math.max(...bare.map((r) => r.rssMiB)),
        pgbackopsNodePeakRssMiB: Math.max(...ours.map((r) => r.rssMiB)),
      };
    };
    const cron = measure('cron', environments.cron);
    const shell = measure('shell', environments.shell);
    // Where a run's own time goes (cron's environment): its phases from the marks it leaves with
    // PGBACKOPS_TIMELINE, and what is left once pg_dump's own time is taken out (the fixed cost of a run).
    const timeline = phaseTimeline(['run', '--state-dir', stateDir, 'bench-full'], { env: environments.cron.ours, replaceEnv: true, runs: repeats, after: removeDumps });
    const at = Object.fromEntries(timeline.phases.map((p) => [p.mark, p.atMs]));
    const fixedCostMs = at.exit - (at['tool exited'] - at['tool start']);
    const figures = { databaseBytes: Number(size), pairs: repeats, ...cron, shellEnvironment: shell, phases: timeline.phases, fixedCostMs };
    const rows = (f, target) => [
      ['bare pg_dump (s)', f.barePgDumpSeconds.toFixed(2)],
      ['pgbackops run, incl. roles capture, sha256, catalog record (s)', f.pgbackopsRunSeconds.toFixed(2)],
      ['ratio run / pg_dump (of the medians)', f.ratio.toFixed(3), target],
      ['ratio run / pg_dump (median of the pairs)', f.medianPairRatio.toFixed(3)],
      ['ratio run / pg_dump (fastest of each)', f.ratioOfBest.toFixed(3)],
      ['pgbackops overhead per run (median of the pairs, s)', f.medianPairOverheadSeconds.toFixed(3)],
      ['of which Node starting and exiting (node -e 0, ms)', f.nodeStartMs.toFixed(0)],
      ['pg_dump peak RSS (MiB)', f.barePgDumpPeakRssMiB.toFixed(0)],
      ['pgbackops process peak RSS, without its pg_dump child (MiB)', f.pgbackopsNodePeakRssMiB.toFixed(0)],
    ];
    const title = `pgbackops run vs bare pg_dump (custom, gzip 6), database ${(figures.databaseBytes / 2 ** 30).toFixed(2)} GiB, ${repeats} interleaved pairs, medians`;
    printTable(`${title}; both in cron's environment, as scheduled`, rows(cron, '<= 1.05'));
    const costly = ['NODE_OPTIONS', 'NODE_EXTRA_CA_CERTS'].filter((k) => process.env[k]);
    printTable(`${title}; both in this shell's environment${costly.length ? ` (which sets ${costly.join(', ')})` : ''}`, rows(shell));
    printPhases(`pgbackops run in cron's environment, phases (PGBACKOPS_TIMELINE marks, medians of ${repeats} runs; the dump is "tool start" -> "tool exited")`, timeline);
    process.stdout.write(`  the run's fixed cost (process start to exit, pg_dump's own time taken out): ${fixedCostMs.toFixed(0)} ms\n`);
    return figures;
  } finally {
    work.remove();
    await cluster.stop();
  }
}
