// Encryption overhead (issue 17): `pgbackops run` of a definition encrypted with age (pg_dump's stdout through
// a plaintext sha256 into `age -e`) vs the same definition unencrypted (pg_dump writing its file itself), on a
// generated database (pgbench tables; scale 70 is about 1 GB: BENCH_ENCRYPTION_SCALE or --scale N changes it).
// Both are whole `pgbackops run` processes with the same format and compression, in cron's environment; they
// run interleaved in pairs, the order alternating, after one untimed run of each; figures are medians of each
// side, of the per-pair ratios, and the ratio of the fastest runs (noise only adds time). Target: <= 1.15.
import { execFileSync } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { applyBenchConfig, generatePgbenchDatabase, makeBenchWork, startBenchCluster } from './cluster.js';
import { cronEnvironment, median, printTable, runCli } from './lib.js';

export async function benchEncryption({ scale = Number(process.env.BENCH_ENCRYPTION_SCALE ?? 70), repeats = Number(process.env.BENCH_ENCRYPTION_PAIRS ?? 5) } = {}) {
  const cluster = await startBenchCluster('encryption');
  const work = makeBenchWork('encryption');
  try {
    const size = generatePgbenchDatabase(cluster, { scale, unlogged: true });
    // A key pair made here: only the public key goes into the configuration, as on a backup server.
    const identity = join(work.dir, 'bench.key');
    execFileSync('age-keygen', ['-o', identity], { stdio: 'ignore' });
    const recipient = execFileSync('age-keygen', ['-y', identity], { encoding: 'utf8' }).trim();
    const options = 'databases: [bench], schedule: "0 1 * * *", format: custom, compression: { method: gzip, level: 6 }, retention: { keepLast: 100 }';
    applyBenchConfig(work, cluster, {
      backups: { 'bench-plain': options, 'bench-age': `${options}, encryption: { age: { recipients: [${recipient}] } }` },
    });
    const { stateDir, backupRoot } = work;

    const ours = cronEnvironment();
    const run = (definition) => {
      const result = runCli(['run', '--state-dir', stateDir, definition], { env: ours, replaceEnv: true });
      const dir = join(backupRoot, 'pg', definition, 'db-bench');
      let bytes = 0;
      for (const d of readdirSync(dir)) {
        for (const f of readdirSync(join(dir, d))) if (f.startsWith('dump.')) bytes = Number(execFileSync('stat', ['-c', '%s', join(dir, d, f)], { encoding: 'utf8' }));
        rmSync(join(dir, d), { recursive: true, force: true });
      }
      // CPU: the run's whole process tree (pgbackops, pg_dump, age: GNU time counts the children it waited for).
      return { seconds: result.seconds, cpuSeconds: result.cpuSeconds, bytes };
    };
    run('bench-plain');
    run('bench-age');
    const plain = [];
    const encrypted = [];
    for (let i = 0; i < repeats; i++) {
      if (i % 2 === 0) {
        plain.push(run('bench-plain'));
        encrypted.push(run('bench-age'));
      } else {
        encrypted.push(run('bench-age'));
        plain.push(run('bench-plain'));
      }
      process.stdout.write(`  pair ${i + 1}/${repeats}: unencrypted ${plain[i].seconds.toFixed(2)} s (CPU ${plain[i].cpuSeconds?.toFixed(2)} s), age ${encrypted[i].seconds.toFixed(2)} s (CPU ${encrypted[i].cpuSeconds?.toFixed(2)} s)\n`);
    }
    const plainS = median(plain.map((r) => r.seconds));
    const ageS = median(encrypted.map((r) => r.seconds));
    const figures = {
      databaseBytes: size, scale, pairs: repeats,
      unencryptedRunSeconds: plainS,
      encryptedRunSeconds: ageS,
      ratio: ageS / plainS,
      medianPairRatio: median(encrypted.map((r, i) => r.seconds / plain[i].seconds)),
      ratioOfBest: Math.min(...encrypted.map((r) => r.seconds)) / Math.min(...plain.map((r) => r.seconds)),
      // On a loaded machine wall time is mostly waiting for a core; the CPU time of the run's processes is not.
      unencryptedCpuSeconds: plain[0].cpuSeconds === null ? null : median(plain.map((r) => r.cpuSeconds)),
      encryptedCpuSeconds: encrypted[0].cpuSeconds === null ? null : median(encrypted.map((r) => r.cpuSeconds)),
      dumpBytes: plain[0].bytes,
      encryptedDumpBytes: encrypted[0].bytes,
    };
    printTable(`pgbackops run with age vs without (custom, gzip 6), database ${(size / 2 ** 30).toFixed(2)} GiB (pgbench scale ${scale}), ${repeats} interleaved pairs, medians`, [
      ['run, unencrypted (s)', plainS.toFixed(2)],
      ['run, encrypted with age (s)', ageS.toFixed(2)],
      ['ratio age / unencrypted (of the medians)', figures.ratio.toFixed(3), '<= 1.15'],
      ['ratio age / unencrypted (median of the pairs)', figures.medianPairRatio.toFixed(3)],
      ['ratio age / unencrypted (fastest of each)', figures.ratioOfBest.toFixed(3)],
      ['CPU of the run\'s processes, unencrypted / age (medians, s)', figures.unencryptedCpuSeconds === null ? 'n/a (no GNU time)' : `${figures.unencryptedCpuSeconds.toFixed(2)} / ${figures.encryptedCpuSeconds.toFixed(2)}`],
      ['CPU ratio age / unencrypted', figures.unencryptedCpuSeconds === null ? 'n/a' : (figures.encryptedCpuSeconds / figures.unencryptedCpuSeconds).toFixed(3)],
      ['archive bytes, unencrypted / encrypted', `${figures.dumpBytes} / ${figures.encryptedDumpBytes}`],
    ]);
    return figures;
  } finally {
    work.remove();
    await cluster.stop();
  }
}
