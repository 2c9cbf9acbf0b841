// What the benchmarks on a real node share: a throwaway PostgreSQL cluster started with pgbackops' own instance
// module (dist/), a generated pgbench database in it, and a work directory holding the configuration every
// single-node benchmark starts from (BackupServer `bench`, Node `pg` on the cluster, then its definitions),
// applied.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './lib.js';

export const PG_BIN = '/usr/lib/postgresql/15/bin';

export async function startBenchCluster(label) {
  const { ensureInstance, stopInstance } = await import('../dist/adapters/postgres/instance.js');
  const base = mkdtempSync(join(tmpdir(), `pgbo-bench-${label}-`));
  chmodSync(base, 0o711);
  const dataDir = join(base, 'data');
  const instance = await ensureInstance({ dataDir, socketDir: join(base, 'run'), logFile: join(base, 'postgres.log'), unsafeNoSync: true });
  const { socketDir, port } = instance;
  const user = String(instance.config.user);
  /** libpq's environment that reaches the cluster, on top of this process's: what the bare tools run with. */
  const env = { ...process.env, PGHOST: socketDir, PGPORT: String(port), PGUSER: user };
  return {
    base,
    dataDir,
    instance,
    socketDir,
    port,
    user,
    env,
    /** One statement's result, unaligned, as psql prints it. */
    psql(sql, database = 'postgres') {
      return execFileSync(`${PG_BIN}/psql`, ['-XAtqc', sql, database], { env, encoding: 'utf8' }).trim();
    },
    async stop() {
      await stopInstance(dataDir, 'fast');
      rmSync(base, { recursive: true, force: true });
    },
  };
}

/**
 * Database `bench` made by `pgbench -i` at `scale` (scale 70 is about 1 GB); its size in bytes. Unlogged tables
 * unless a physical backup is measured: a base backup skips unlogged tables' data.
 */
export function generatePgbenchDatabase(cluster, { scale, unlogged }) {
  execFileSync(`${PG_BIN}/createdb`, ['bench'], { env: cluster.env });
  process.stdout.write(`generating pgbench scale ${scale}${unlogged ? '' : ' (logged tables)'}...\n`);
  execFileSync(`${PG_BIN}/pgbench`, ['-i', '-q', '-s', String(scale), ...(unlogged ? ['--unlogged-tables'] : []), 'bench'], { env: cluster.env, stdio: 'ignore' });
  return Number(cluster.psql("select pg_database_size('bench')", 'bench'));
}

/**
 * A benchmark's work directory (mode 0755: the jobs run as the PostgreSQL OS user and reach the backup root in
 * it): `config/`, `state/` and `backups/` (the BackupServer's backupRoot).
 */
export function makeBenchWork(label) {
  const dir = mkdtempSync(join(tmpdir(), `pgbackops-bench-${label}-`));
  chmodSync(dir, 0o755);
  const stateDir = join(dir, 'state');
  return {
    dir,
    config: join(dir, 'config'),
    stateDir,
    backupRoot: join(dir, 'backups'),
    /** Stops the local catalog the benchmark's commands started, if any, and removes the directory. */
    remove() {
      try { runCli(['catalog', 'stop', '--state-dir', stateDir]); } catch { /* never started */ }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Writes `config/all.yaml`: BackupServer `bench` (backupRoot in `work`, `scheduler` as given), Node `pg` on
 * `cluster` (`nodeSpec`: more of its spec, e.g. a walArchive), a Backup per entry of `backups` (name: the rest
 * of its spec after `node: pg`); then applies it (`applyArgs`: --catalog, --server...).
 */
export function applyBenchConfig(work, cluster, { backups = {}, nodeSpec = '', scheduler = '{ type: builtin }', applyArgs = [] } = {}) {
  mkdirSync(work.config, { recursive: true });
  const documents = [
    `kind: BackupServer
metadata: { name: bench }
spec: { host: bench.example.org, backupRoot: ${work.backupRoot}, scheduler: ${scheduler} }`,
    `kind: Node
metadata: { name: pg }
spec: { host: ${cluster.socketDir}, port: ${cluster.port}, user: ${cluster.user}, backupServer: bench${nodeSpec ? `, ${nodeSpec}` : ''} }`,
    ...Object.entries(backups).map(([name, spec]) => `kind: Backup
metadata: { name: ${name} }
spec: { node: pg, ${spec} }`),
  ];
  writeFileSync(join(work.config, 'all.yaml'), documents.map((d) => `apiVersion: pgbackops/v1\n${d}\n`).join('---\n'));
  runCli(['apply', '--yes', '-c', work.config, '--state-dir', work.stateDir, ...applyArgs]);
}
