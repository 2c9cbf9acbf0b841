// npm run bench: builds first (the npm script), then runs the benchmarks and prints figures and ratios;
// writes them as JSON to bench/out/latest.json. `--only reconcile,run,parallel,retention,daemon,status,wal-archive,notify,check-status,rpo,page,offsite` picks some
// (page, the status page in chromium, runs only when asked for; `offsite`: upload throughput of off-site copies vs a plain SDK upload,
// PGBACKOPS_BENCH_OFFSITE_SCALE scales its sizes);
// `--only scale [--max 10000] [--profile DIR]` runs the fleet-scale growth table (not part of the default set:
// its 100,000 size takes minutes); `--only explain` checks the query plans of the run-reading commands at
// 1,000,000 run rows; `--only reports` does the same and times each report at BENCH_REPORTS_DEFINITIONS x
// BENCH_REPORTS_RUNS (default 100,000 x 100 = 10,000,000 runs; issue 16's target); `--only encryption` measures a run encrypted with age against the same run unencrypted.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { benchParallelDump } from './parallel-dump.js';
import { benchReconcile } from './reconcile.js';
import { benchRetention } from './retention.js';
import { benchRunJob } from './run-job.js';
import { benchExplainRuns } from './explain-runs.js';
import { benchScale } from './scale.js';
import { benchPgbackrest } from './pgbackrest.js';
import { benchEncryption } from './encryption.js';

const { values } = parseArgs({ options: { only: { type: 'string' }, scale: { type: 'string' }, max: { type: 'string' }, profile: { type: 'string' } } });
const wanted = new Set((values.only ?? 'reconcile,run,parallel,retention,daemon,status,wal-archive,notify').split(','));
const results = { machine: { node: process.version, cpus: cpus().length, date: new Date().toISOString() } };
if (wanted.has('reconcile')) results.reconcile = await benchReconcile();
if (wanted.has('retention')) results.retention = await benchRetention();
if (wanted.has('run')) results.run = await benchRunJob(values.scale ? { scale: Number(values.scale) } : {});
// Not in the default set (a ~1 GB cluster backed up and restored several times): `--only basebackup`,
// BENCH_BASEBACKUP_SCALE=N for another pgbench scale, BENCH_BASEBACKUP_PAIRS=N for more pairs.
if (wanted.has('basebackup')) results.basebackup = await (await import('./basebackup.js')).benchBasebackup();
if (wanted.has('scale')) results.scale = await benchScale({ max: values.max ? Number(values.max) : undefined, profileDir: values.profile ?? null });
if (wanted.has('pgbackrest')) results.pgbackrest = await benchPgbackrest();
// `--only pgbackrest-retention`: the keep-dependencies pass over 1,000 / 10,000 / 100,000 pgBackRest backups.
if (wanted.has('pgbackrest-retention')) results.pgbackrestRetention = await (await import('./pgbackrest-retention.js')).benchPgbackrestRetention();
if (wanted.has('explain')) results.explain = await benchExplainRuns();
if (wanted.has('reports')) {
  results.reports = await benchExplainRuns({
    definitions: Number(process.env.BENCH_REPORTS_DEFINITIONS ?? 100_000), runsPerDefinition: Number(process.env.BENCH_REPORTS_RUNS ?? 100),
  });
}
if (wanted.has('encryption')) results.encryption = await benchEncryption(values.scale ? { scale: Number(values.scale) } : {});
if (wanted.has('parallel')) results.parallel = await benchParallelDump();
if (wanted.has('wal-archive')) results.walArchive = await (await import('./wal-archive.js')).benchWalArchive();
if (wanted.has('offsite')) results.offsite = await (await import('./offsite.js')).benchOffsite();
if (wanted.has('status')) results.daemonStatus = await (await import('./daemon-status.js')).benchDaemonStatus();
if (wanted.has('page')) results.page = await (await import('./status-page.js')).benchStatusPage();
if (wanted.has('daemon')) {
  const daemon = await import('./daemon.js').catch(() => null);
  if (daemon?.benchDaemon) results.daemon = await daemon.benchDaemon();
}
if (wanted.has('notify')) results.notify = await (await import('./notify.js')).benchNotify();
if (wanted.has('check-status')) results.checkStatus = await (await import('./check-status.js')).benchCheckStatus();
if (wanted.has('rpo')) results.rpo = await (await import('./rpo.js')).benchRpo();
// Merge with earlier figures so that `--only` runs add to one file.
const out = new URL('./out/latest.json', import.meta.url);
mkdirSync(new URL('./out/', import.meta.url), { recursive: true });
const earlier = existsSync(out) ? JSON.parse(readFileSync(out, 'utf8')) : {};
writeFileSync(out, JSON.stringify({ ...earlier, ...results }, null, 2) + '\n');
process.stdout.write('\nwrote bench/out/latest.json\n');
