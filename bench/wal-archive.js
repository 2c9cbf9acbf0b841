// Archive lag under write load (issue 12: with streaming, this is the RPO): a pgbench write load runs on a node
// while a probe commits a row every 50 ms and measures how long until the archive has flushed the commit
// (pg_stat_replication.flush_lsn of the receiver's walsender >= the commit's end: with --synchronous that is the
// .partial segment fsynced on the backup server). Two receivers, in interleaved rounds under the same load:
// `pgbackops wal-receive` (the supervisor the daemon runs) and bare pg_receivewal with the same flags on its own
// slot. Prints median and p99 per round, medians of each side and the ratio of the medians (pairs).
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { applyBenchConfig, generatePgbenchDatabase, makeBenchWork, PG_BIN as BIN, startBenchCluster } from './cluster.js';
import { cli, median, printTable } from './lib.js';

export async function benchWalArchive({ rounds = 3, roundSeconds = 10, clients = 4 } = {}) {
  const pg = (await import('pg')).default;
  const [node, catalogCluster] = [await startBenchCluster('wal-node'), await startBenchCluster('wal-catalog')];
  const work = makeBenchWork('wal');
  const children = [];
  try {
    const { socketDir, port, user, env } = node;
    generatePgbenchDatabase(node, { scale: 10, unlogged: false });
    const catalogUrl = `postgresql://${encodeURIComponent(catalogCluster.user)}@/postgres?host=${encodeURIComponent(catalogCluster.socketDir)}&port=${catalogCluster.port}`;
    applyBenchConfig(work, node, {
      nodeSpec: 'walArchive: { enabled: true, slot: bench_ours }',
      applyArgs: ['--catalog', catalogUrl, '--server', 'bench'],
    });
    const { stateDir } = work;

    const client = new pg.Client({ host: socketDir, port, user, database: 'bench' });
    await client.connect();
    await client.query('create table if not exists probe (at timestamptz default now())');
    const bareDir = join(work.dir, 'bare');
    mkdirSync(bareDir, { recursive: true });
    execFileSync(`${BIN}/pg_receivewal`, ['--create-slot', '--if-not-exists', '--slot=bench_bare'], { env });

    const start = {
      ours: () => spawn(process.execPath, [cli, 'wal-receive', '--node', 'pg', '--state-dir', stateDir, '--server', 'bench'], {
        env: { ...process.env, PGBACKOPS_CATALOG_URL: catalogUrl }, stdio: 'ignore',
      }),
      bare: () => spawn(`${BIN}/pg_receivewal`, [`--directory=${bareDir}`, '--slot=bench_bare', '--synchronous', '--no-loop', '--no-password'], { env, stdio: 'ignore' }),
    };
    const slotOf = { ours: 'bench_ours', bare: 'bench_bare' };

    /** Waits until the slot's walsender streams; returns its pid. */
    const streaming = async (slot) => {
      for (let i = 0; i < 600; i++) {
        const r = await client.query('select active_pid from pg_replication_slots where slot_name = $1 and active', [slot]);
        if (r.rows[0]?.active_pid) return r.rows[0].active_pid;
        await new Promise((res) => setTimeout(res, 50));
      }
      throw new Error(`no receiver streams from ${slot}`);
    };

    const round = async (side) => {
      const receiver = start[side]();
      children.push(receiver);
      const walsender = await streaming(slotOf[side]);
      const load = spawn(`${BIN}/pgbench`, ['-N', '-c', String(clients), '-T', String(roundSeconds + 2), 'bench'], { env, stdio: 'ignore' });
      children.push(load);
      await new Promise((res) => setTimeout(res, 1000));
      const lags = [];
      const until = Date.now() + roundSeconds * 1000;
      while (Date.now() < until) {
        await client.query('insert into probe default values');
        const committed = process.hrtime.bigint();
        const { rows } = await client.query('select pg_current_wal_lsn()::text as lsn');
        for (;;) {
          const r = await client.query('select flush_lsn >= $1::pg_lsn as done from pg_stat_replication where pid = $2', [rows[0].lsn, walsender]);
          if (r.rows[0]?.done) break;
        }
        lags.push(Number(process.hrtime.bigint() - committed) / 1e9);
        await new Promise((res) => setTimeout(res, 50));
      }
      await new Promise((res) => load.once('exit', res));
      receiver.kill('SIGTERM');
      await new Promise((res) => receiver.once('exit', res));
      const sorted = [...lags].sort((a, b) => a - b);
      return { side, probes: lags.length, median: median(lags), p99: sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))] };
    };

    const results = [];
    for (let i = 0; i < rounds; i++) {
      // Alternating order: whichever runs second in a pair does not always meet a warmer cache.
      const order = i % 2 === 0 ? ['ours', 'bare'] : ['bare', 'ours'];
      for (const side of order) {
        const r = await round(side);
        results.push(r);
        process.stdout.write(`  round ${i + 1} ${side.padEnd(4)}: ${r.probes} probes, median ${(r.median * 1000).toFixed(2)} ms, p99 ${(r.p99 * 1000).toFixed(2)} ms\n`);
      }
    }
    await client.end();
    const of = (side, key) => median(results.filter((r) => r.side === side).map((r) => r[key]));
    const figures = {
      oursMedianMs: of('ours', 'median') * 1000, oursP99Ms: of('ours', 'p99') * 1000,
      bareMedianMs: of('bare', 'median') * 1000, bareP99Ms: of('bare', 'p99') * 1000,
      rounds: results,
    };
    figures.ratioMedian = figures.oursMedianMs / figures.bareMedianMs;
    figures.ratioP99 = figures.oursP99Ms / figures.bareP99Ms;
    printTable(`WAL archive lag, commit -> flushed in the archive, under pgbench -N -c ${clients} (${rounds} rounds of ${roundSeconds} s per side)`, [
      ['pgbackops wal-receive: median', `${figures.oursMedianMs.toFixed(2)} ms`],
      ['pgbackops wal-receive: p99', `${figures.oursP99Ms.toFixed(2)} ms`],
      ['bare pg_receivewal: median', `${figures.bareMedianMs.toFixed(2)} ms`],
      ['bare pg_receivewal: p99', `${figures.bareP99Ms.toFixed(2)} ms`],
      ['ratio of medians (ours / bare)', figures.ratioMedian.toFixed(3)],
      ['ratio of p99 (ours / bare)', figures.ratioP99.toFixed(3)],
    ]);
    return figures;
  } finally {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await node.stop();
    await catalogCluster.stop();
    work.remove();
  }
}
