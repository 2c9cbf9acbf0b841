// `pgbackops run` vs bare pg_dump with the same arguments on a generated database (pgbench tables, ~1 GB by
// default): wall-time ratio (target <= 1.05) and peak RSS of each. Runs alternate to share cache effects.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, chmodSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBenchCluster } from './cluster.js';
import { median, printTable, runCli } from './lib.js';

export async function benchRunJob({ scale = 70, repeats = 2 } = {}) {
  const cluster = await startBenchCluster('run');
  const work = mkdtempSync(join(tmpdir(), 'pgbackops-bench-run-'));
  chmodSync(work, 0o755);
  try {
    const { socketDir, port } = cluster.instance;
    const user = String(cluster.instance.config.user);
    const env = { ...process.env, PGHOST: socketDir, PGPORT: String(port), PGUSER: user };
    const bin = '/usr/lib/postgresql/15/bin';
    execFileSync(`${bin}/createdb`, ['bench'], { env });
    process.stdout.write(`generating pgbench scale ${scale}...\n`);
    execFileSync(`${bin}/pgbench`, ['-i', '-q', '-s', String(scale), '--unlogged-tables', 'bench'], { env, stdio: 'ignore' });
    const size = execFileSync(`${bin}/psql`, ['-XAtc', "select pg_database_size('bench')", 'bench'], { env, encoding: 'utf8' }).trim();

    const config = join(work, 'config');
    const stateDir = join(work, 'state');
    const backupRoot = join(work, 'backups');
    mkdirSync(config, { recursive: true });
    writeFileSync(join(config, 'all.yaml'), `apiVersion: pgbackops/v1
kind: BackupServer
metadata: { name: bench }
spec: { host: bench.example.org, backupRoot: ${backupRoot}, scheduler: { type: builtin } }
---
apiVersion: pgbackops/v1
kind: Node
metadata: { name: pg }
spec: { host: ${socketDir}, port: ${port}, user: ${user}, backupServer: bench }
---
apiVersion: pgbackops/v1
kind: Backup
metadata: { name: bench-full }
spec: { node: pg, databases: [bench], schedule: "0 1 * * *", format: custom, compression: { method: gzip, level: 6 }, retention: { keepLast: 100 } }
`);
    runCli(['apply', '--yes', '-c', config, '--state-dir', stateDir]);

    const bare = [];
    const ours = [];
    for (let i = 0; i < repeats; i++) {
      const out = join(work, `bare-${i}.pgdump`);
      const started = process.hrtime.bigint();
      const res = spawnSync('/usr/bin/time', ['-f', '__RSS_KB=%M', `${bin}/pg_dump`, '--format=custom', '--compress=6', '--no-password', `--file=${out}`], {
        env: { ...env, PGDATABASE: 'bench' }, encoding: 'utf8',
      });
      if (res.status !== 0) throw new Error(`pg_dump failed: ${res.stderr}`);
      bare.push({ seconds: Number(process.hrtime.bigint() - started) / 1e9, rssMiB: Number(/__RSS_KB=(\d+)/.exec(res.stderr)[1]) / 1024 });
      rmSync(out, { force: true });

      const run = runCli(['run', '--state-dir', stateDir, 'bench-full']);
      // The pg_dump child's RSS is not in /usr/bin/time's figure for node; report node's own peak.
      ours.push({ seconds: run.seconds, rssMiB: run.rssMiB });
      for (const d of readdirSync(join(backupRoot, 'pg', 'bench-full', 'db-bench'))) rmSync(join(backupRoot, 'pg', 'bench-full', 'db-bench', d), { recursive: true, force: true });
    }
    const bareS = median(bare.map((r) => r.seconds));
    const oursS = median(ours.map((r) => r.seconds));
    const figures = {
      databaseBytes: Number(size),
      barePgDumpSeconds: bareS,
      pgbackopsRunSeconds: oursS,
      ratio: oursS / bareS,
      barePgDumpPeakRssMiB: Math.max(...bare.map((r) => r.rssMiB)),
      pgbackopsNodePeakRssMiB: Math.max(...ours.map((r) => r.rssMiB ?? 0)),
    };
    printTable(`pgbackops run vs bare pg_dump (custom, gzip 6), database ${(figures.databaseBytes / 2 ** 30).toFixed(2)} GiB, median of ${repeats}`, [
      ['bare pg_dump (s)', bareS.toFixed(2)],
      ['pgbackops run, incl. roles capture, sha256, catalog record (s)', oursS.toFixed(2)],
      ['ratio run / pg_dump', figures.ratio.toFixed(3), '<= 1.05'],
      ['pg_dump peak RSS (MiB)', figures.barePgDumpPeakRssMiB.toFixed(0)],
      ['pgbackops process peak RSS, without its pg_dump child (MiB)', figures.pgbackopsNodePeakRssMiB.toFixed(0)],
    ]);
    return figures;
  } finally {
    try { runCli(['catalog', 'stop', '--state-dir', join(work, 'state')]); } catch { /* not started */ }
    rmSync(work, { recursive: true, force: true });
    await cluster.stop();
  }
}
