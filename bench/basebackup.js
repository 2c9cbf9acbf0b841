// The basebackup method against the bare tools, on a generated cluster (pgbench tables, logged: a base backup
// skips unlogged tables' data; scale 70 is about 1 GB and 210 about 3 GB, both by default, BENCH_BASEBACKUP_SCALE=N[,N...]
// for other sizes: the backup comparison at each, the restore at the first):
// 1. `pgbackops run` of a basebackup vs bare pg_basebackup with exactly the run's options (its argv, read from
//    the run's manifest.json: tar, streamed WAL, gzip 1, fast checkpoint, the manifest checksum the definition
//    asks for, CRC32C by default, BENCH_BASEBACKUP_CHECKSUMS=sha256|none for another): wall-time ratio (the
//    issue's target is <= 1.03), and CPU seconds (user + system, children included: what a loaded machine
//    inflates least) of each side and of the node's WAL senders that served it (the postmaster's reaped
//    children). pgbackops also checks every tar member against backup_manifest while pg_basebackup writes
//    (docs/restore.md, "Physical backups"), which the bare side does not: that check's CPU is the difference of
//    the CPU figures. So that the ratio can be read against the check a DBA would make by hand on PostgreSQL 15
//    (whose pg_verifybackup reads no tar), the bare side is also timed followed by that check: both tars
//    extracted (tar -xzf) and pg_verifybackup run on the extraction.
//    BENCH_BASEBACKUP_RESTORE=0 measures this part only.
// 2. A point-in-time restore to a target time, started and recovered: `pgbackops restore --to-dir --start` vs
//    the same steps by hand (tar -x of both tars, the recovery settings with `cp` as restore_command,
//    recovery.signal, pg_ctl start, wait until promoted): wall-time ratio (target <= 1.05) and the RTO.
// Pairs interleaved with alternating order, medians of each side and of the per-pair ratios.
// 3. What starting a restore costs: CPU ms of a restore refused right after its start (an unknown backup id), as
//    root acting as the job user and as the job user (BENCH_RESTORE_STARTUP_RUNS, default 15; medians).
// BENCH_DUMP_RESTORE=FILE appends each pgbackops restore's log (when each step ended, the server's log) to FILE.
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, chownSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { applyBenchConfig, generatePgbenchDatabase, makeBenchWork, PG_BIN as BIN, startBenchCluster } from './cluster.js';
import { cli as cliPath, median, printTable, runCli } from './lib.js';

export async function benchBasebackup({ scales = String(process.env.BENCH_BASEBACKUP_SCALE ?? '70,210').split(',').map(Number), repeats = Number(process.env.BENCH_BASEBACKUP_PAIRS ?? 3), checksums = process.env.BENCH_BASEBACKUP_CHECKSUMS, restore = process.env.BENCH_BASEBACKUP_RESTORE !== '0' } = {}) {
  const cluster = await startBenchCluster('basebackup');
  const work = makeBenchWork('bb');
  const owner = statSync(cluster.dataDir);
  const asOwner = (file, args, opts = {}) => {
    const res = spawnSync('setpriv', [`--reuid=${owner.uid}`, `--regid=${owner.gid}`, '--clear-groups', '--', file, ...args], { encoding: 'utf8', cwd: '/', ...opts });
    if (res.status !== 0) throw new Error(`${file} ${args.join(' ')}: ${res.stderr}`);
    return res.stdout;
  };
  try {
    const { port, user, env, socketDir } = cluster;
    const psql = (sql) => cluster.psql(sql, 'bench');
    const { backupRoot, config, stateDir } = work;
    const archiveDir = join(backupRoot, 'pg', '_wal');
    for (const d of [backupRoot, join(backupRoot, 'pg'), archiveDir]) {
      mkdirSync(d, { recursive: true });
      chownSync(d, owner.uid, owner.gid);
    }
    // The documented archive_command; archive_mode needs a restart.
    cluster.psql(`alter system set archive_mode = on`);
    cluster.psql(`alter system set archive_command = 'test ! -f ${archiveDir}/%f && cp %p ${archiveDir}/.%f.tmp && mv ${archiveDir}/.%f.tmp ${archiveDir}/%f'`);
    asOwner(`${BIN}/pg_ctl`, ['restart', '-D', cluster.dataDir, '-w', '-m', 'fast', '-l', join(cluster.base, 'postgres.log')]);

    let scale = scales[0];
    generatePgbenchDatabase(cluster, { scale, unlogged: false });
    let clusterBytes = Number(psql('select sum(pg_database_size(oid)) from pg_database'));

    applyBenchConfig(work, cluster, {
      backups: { bb: `method: basebackup, schedule: "0 1 * * *", compression: { method: gzip, level: 1 }, checkpoint: fast, retention: { keepLast: 100 }${checksums ? `, manifestChecksums: ${checksums}` : ''}` },
    });
    const cli = (...args) => runCli([...args, '-c', config, '--state-dir', stateDir]);
    const runsDir = join(backupRoot, 'pg', 'bb', '_cluster');

    // 1. Taking a backup (measureBackups: once per size).
    let runArgv = null;
    const measureBackups = () => {
      // CPU seconds of the node's backends that exited since the last call (the WAL senders of a base backup):
      // the postmaster's reaped children's user + system time (/proc/PID/stat fields 16 and 17).
      const postmaster = Number(readFileSync(join(cluster.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
      const ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }));
      const reapedCpu = () => {
        const fields = readFileSync(`/proc/${postmaster}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ');
        return (Number(fields[13]) + Number(fields[14])) / ticks;
      };
      const gnuTimed = (file, args, opts = {}) => {
        // GNU time for the CPU seconds, as runCli measures pgbackops.
        const res = spawnSync('/usr/bin/time', ['-f', '__CPU=%U+%S', file, ...args], { encoding: 'utf8', ...opts });
        if (res.status !== 0) throw new Error(`${file} ${args.join(' ')}: ${res.stderr}`);
        const cpu = /__CPU=([\d.]+)\+([\d.]+)/.exec(res.stderr);
        return cpu ? Number(cpu[1]) + Number(cpu[2]) : NaN;
      };
      const ours = () => {
        const server = reapedCpu();
        const run = runCli(['run', '--state-dir', stateDir, 'bb']);
        const newest = readdirSync(runsDir).filter((d) => !d.startsWith('.')).sort().pop();
        const verified = /copied in ([\d.]+) s; finished .* in ([\d.]+) s/.exec(execFileSync('cat', [join(runsDir, newest, 'run.log')], { encoding: 'utf8' }));
        return { seconds: run.seconds, cpuSeconds: run.cpuSeconds ?? NaN, serverCpuSeconds: reapedCpu() - server, copySeconds: verified ? Number(verified[1]) : null, dir: join(runsDir, newest) };
      };
      // The run's own argv (its manifest.json), with the bare side's directory and label: the same options.
      ours();
      runArgv = JSON.parse(readFileSync(join(runsDir, readdirSync(runsDir).filter((d) => !d.startsWith('.')).sort().pop(), 'manifest.json'), 'utf8')).argv.slice(1);
      const bare = ({ check = false } = {}) => {
        const out = join(work.dir, 'bare');
        const args = runArgv.map((a) => (a.startsWith('--pgdata=') ? `--pgdata=${out}` : a.startsWith('--label=') ? '--label=bare' : a));
        const server = reapedCpu();
        const started = process.hrtime.bigint();
        let cpuSeconds = gnuTimed(`${BIN}/pg_basebackup`, args, { env });
        const backupSeconds = Number(process.hrtime.bigint() - started) / 1e9;
        const serverCpuSeconds = reapedCpu() - server;
        if (check) {
          // What a DBA checks by hand on PostgreSQL 15: extract both tars, pg_verifybackup on the extraction.
          const plain = join(work.dir, 'bare-extracted');
          mkdirSync(join(plain, 'pg_wal'), { recursive: true, mode: 0o700 });
          const tars = readdirSync(out);
          cpuSeconds += gnuTimed('tar', ['-xf', join(out, tars.find((n) => n.startsWith('base.tar'))), '-C', plain]);
          cpuSeconds += gnuTimed('tar', ['-xf', join(out, tars.find((n) => n.startsWith('pg_wal.tar'))), '-C', join(plain, 'pg_wal')]);
          cpuSeconds += gnuTimed(`${BIN}/pg_verifybackup`, ['--quiet', `--manifest-path=${join(out, 'backup_manifest')}`, plain]);
          rmSync(plain, { recursive: true, force: true });
        }
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        rmSync(out, { recursive: true, force: true });
        return { seconds, backupSeconds, cpuSeconds, serverCpuSeconds };
      };
      bare();
      const pairs = [];
      for (let i = 0; i < repeats; i++) {
        const pair = i % 2 === 0 ? { bare: bare(), ours: ours() } : (() => { const o = ours(); return { ours: o, bare: bare() }; })();
        pairs.push(pair);
        process.stdout.write(`  backup pair ${i + 1}/${repeats}: pg_basebackup ${pair.bare.seconds.toFixed(2)} s (CPU ${pair.bare.cpuSeconds.toFixed(2)} s, WAL senders ${pair.bare.serverCpuSeconds.toFixed(2)} s), pgbackops run ${pair.ours.seconds.toFixed(2)} s (CPU ${pair.ours.cpuSeconds.toFixed(2)} s, WAL senders ${pair.ours.serverCpuSeconds.toFixed(2)} s; pg_basebackup inside it ${pair.ours.copySeconds?.toFixed(2)} s)\n`);
      }
      // The fair comparison for the check: bare pg_basebackup followed by the check by hand, in pairs with the run.
      const checkedPairs = [];
      // BENCH_BASEBACKUP_CHECKED=0 leaves this comparison out (its figures print as NaN).
      for (let i = 0; i < (process.env.BENCH_BASEBACKUP_CHECKED === '0' ? 0 : repeats); i++) {
        const pair = i % 2 === 1 ? { checked: bare({ check: true }), ours: ours() } : (() => { const o = ours(); return { ours: o, checked: bare({ check: true }) }; })();
        checkedPairs.push(pair);
        process.stdout.write(`  checked pair ${i + 1}/${repeats}: pg_basebackup + tar -x + pg_verifybackup ${pair.checked.seconds.toFixed(2)} s (CPU ${pair.checked.cpuSeconds.toFixed(2)} s), pgbackops run ${pair.ours.seconds.toFixed(2)} s (CPU ${pair.ours.cpuSeconds.toFixed(2)} s)\n`);
      }
      const backupFigures = {
        barePgBasebackupSeconds: median(pairs.map((p) => p.bare.seconds)),
        pgbackopsRunSeconds: median(pairs.map((p) => p.ours.seconds)),
        pgBasebackupInsideRunSeconds: median(pairs.map((p) => p.ours.copySeconds ?? NaN)),
        medianPairRatio: median(pairs.map((p) => p.ours.seconds / p.bare.seconds)),
        barePgBasebackupCpuSeconds: median(pairs.map((p) => p.bare.cpuSeconds)),
        pgbackopsRunCpuSeconds: median(pairs.map((p) => p.ours.cpuSeconds)),
        bareServerCpuSeconds: median(pairs.map((p) => p.bare.serverCpuSeconds)),
        runServerCpuSeconds: median(pairs.map((p) => p.ours.serverCpuSeconds)),
        checkedByHandSeconds: median(checkedPairs.map((p) => p.checked.seconds)),
        checkedByHandCpuSeconds: median(checkedPairs.map((p) => p.checked.cpuSeconds)),
        checkedRunSeconds: median(checkedPairs.map((p) => p.ours.seconds)),
        checkedMedianPairRatio: median(checkedPairs.map((p) => p.ours.seconds / p.checked.seconds)),
        cores: cpus().length,
        manifestChecksums: /--manifest-checksums=(\w+)/.exec(runArgv.join(' '))?.[1] ?? 'none asked',
      };
      backupFigures.checkedRatio = backupFigures.checkedRunSeconds / backupFigures.checkedByHandSeconds;
      // The cores the bare side keeps busy (pg_basebackup and the WAL senders over its wall time), and the least
      // wall time the run's CPU needs on this machine's cores: how far below 1.03 the 2-core VM can go at all.
      backupFigures.bareCoresBusy = (backupFigures.barePgBasebackupCpuSeconds + backupFigures.bareServerCpuSeconds) / backupFigures.barePgBasebackupSeconds;
      backupFigures.runCpuBoundSeconds = (backupFigures.pgbackopsRunCpuSeconds + backupFigures.runServerCpuSeconds) / backupFigures.cores;
      backupFigures.ratio = backupFigures.pgbackopsRunSeconds / backupFigures.barePgBasebackupSeconds;
      backupFigures.ratioWithoutVerify = backupFigures.pgBasebackupInsideRunSeconds / backupFigures.barePgBasebackupSeconds;

      const size = `cluster ${(clusterBytes / 2 ** 30).toFixed(2)} GiB (pgbench scale ${scale})`;
      printTable(`pgbackops run (basebackup) vs bare pg_basebackup with the run's argv (tar, gzip 1, fast checkpoint, manifest checksums ${backupFigures.manifestChecksums}), ${size}, ${repeats} interleaved pairs, medians, ${backupFigures.cores} cores`, [
        ['bare pg_basebackup (s)', backupFigures.barePgBasebackupSeconds.toFixed(2)],
        ['pgbackops run, incl. the tar check, sha256, catalog record (s)', backupFigures.pgbackopsRunSeconds.toFixed(2)],
        ['ratio run / pg_basebackup (of the medians)', backupFigures.ratio.toFixed(3), '<= 1.03'],
        ['ratio run / pg_basebackup (median of the pairs)', backupFigures.medianPairRatio.toFixed(3), '<= 1.03'],
        ['pg_basebackup inside the run / bare', backupFigures.ratioWithoutVerify.toFixed(3)],
        ['CPU s (user+sys): bare pg_basebackup', backupFigures.barePgBasebackupCpuSeconds.toFixed(2)],
        ['CPU s (user+sys): pgbackops run, children included', backupFigures.pgbackopsRunCpuSeconds.toFixed(2)],
        ['CPU ratio run / pg_basebackup', (backupFigures.pgbackopsRunCpuSeconds / backupFigures.barePgBasebackupCpuSeconds).toFixed(3)],
        ['CPU s of the node\'s WAL senders: bare / run', `${backupFigures.bareServerCpuSeconds.toFixed(2)} / ${backupFigures.runServerCpuSeconds.toFixed(2)}`],
        [`cores the bare side keeps busy (its CPU + WAL senders' / wall; of ${backupFigures.cores})`, backupFigures.bareCoresBusy.toFixed(2)],
        [`least wall the run's CPU + WAL senders' needs on ${backupFigures.cores} cores (s)`, backupFigures.runCpuBoundSeconds.toFixed(2)],
        ['bare pg_basebackup + tar -x + pg_verifybackup, the check by hand (s)', backupFigures.checkedByHandSeconds.toFixed(2)],
        ['CPU s (user+sys): bare + the check by hand', backupFigures.checkedByHandCpuSeconds.toFixed(2)],
        ['ratio run / (bare + check by hand) (of the medians)', backupFigures.checkedRatio.toFixed(3)],
        ['ratio run / (bare + check by hand) (median of the pairs)', backupFigures.checkedMedianPairRatio.toFixed(3)],
      ]);
      return backupFigures;
    };
    const backupFigures = measureBackups();
    // The same at each further size (BENCH_BASEBACKUP_SCALE=70,210: about 1 and 3 GB): what pgbackops adds is a
    // fixed cost (Node, the catalog, the records) plus a share of the copy (the check beside it); the growth
    // table shows which is which. The database is generated again at that scale; the PITR restore below stays
    // at the first size.
    const measureFurtherSizes = () => {
      const bySize = [{ scale, clusterBytes, backup: backupFigures }];
      for (const next of scales.slice(1)) {
        execFileSync(`${BIN}/dropdb`, ['bench'], { env });
        scale = next;
        generatePgbenchDatabase(cluster, { scale, unlogged: false });
        clusterBytes = Number(psql('select sum(pg_database_size(oid)) from pg_database'));
        bySize.push({ scale, clusterBytes, backup: measureBackups() });
      }
      if (bySize.length > 1) {
        printTable(`pgbackops run (basebackup) vs bare pg_basebackup by cluster size, medians of ${repeats} pairs`, bySize.map((x) => [
          `${(x.clusterBytes / 2 ** 30).toFixed(2)} GiB (scale ${x.scale}): bare ${x.backup.barePgBasebackupSeconds.toFixed(2)} s, run ${x.backup.pgbackopsRunSeconds.toFixed(2)} s, added ${(x.backup.pgbackopsRunSeconds - x.backup.barePgBasebackupSeconds).toFixed(2)} s, pg_basebackup inside / bare ${x.backup.ratioWithoutVerify.toFixed(3)}; ratio`,
          x.backup.ratio.toFixed(3), '<= 1.03',
        ]));
      }
      return bySize;
    };
    if (!restore) return { clusterBytes, scale, pairs: repeats, backup: backupFigures, bySize: measureFurtherSizes() };

    // 2. Point-in-time restore of the newest backup to a time between two write loads.
    const size = `cluster ${(clusterBytes / 2 ** 30).toFixed(2)} GiB (pgbench scale ${scale})`;
    const backupId = JSON.parse(cli('backups', '--definition', 'bb', '--json').stdout).backups.find((b) => b.status === 'succeeded').id;
    const backupDir = join(runsDir, readdirSync(runsDir).filter((d) => !d.startsWith('.')).sort().pop());
    execFileSync(`${BIN}/pgbench`, ['-n', '-T', '5', '-c', '2', 'bench'], { env, stdio: 'ignore' });
    const target = psql(`select to_char(clock_timestamp() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`);
    execFileSync(`${BIN}/pgbench`, ['-n', '-T', '3', '-c', '2', 'bench'], { env, stdio: 'ignore' });
    const last = psql('select pg_walfile_name(pg_switch_wal())');
    for (let i = 0; i < 600 && !existsSync(join(archiveDir, last)); i++) spawnSync('sleep', ['0.1']);
    const emptyDir = (name) => {
      const d = join(work.dir, name);
      rmSync(d, { recursive: true, force: true });
      mkdirSync(d, { mode: 0o700 });
      chownSync(d, owner.uid, owner.gid);
      return d;
    };
    const restorePort = port + 1;
    const stop = (d) => asOwner(`${BIN}/pg_ctl`, ['stop', '-D', d, '-m', 'immediate', '-w']);
    const restoreOurs = () => {
      const d = emptyDir('pitr-ours');
      const r = cli('restore', backupId, '--to-dir', d, '--target-time', target, '--start', '--port', String(restorePort), '--yes', '--json');
      const out = JSON.parse(r.stdout);
      if (process.env.BENCH_DUMP_RESTORE) appendFileSync(process.env.BENCH_DUMP_RESTORE, `${r.seconds}\n${out.restore.log}\n\n`);
      stop(d);
      rmSync(d, { recursive: true, force: true });
      return { seconds: r.seconds, rtoMs: out.result.recovery_time_ms };
    };
    const restoreByHand = () => {
      const d = emptyDir('pitr-hand');
      const started = process.hrtime.bigint();
      // As pgbackops does it: extracted by the backup files' owner (root here), then handed to the cluster's user.
      execFileSync('tar', ['-xf', join(backupDir, 'base.tar.gz'), '-C', d, '--no-same-owner']);
      execFileSync('tar', ['-xf', join(backupDir, 'pg_wal.tar.gz'), '-C', join(d, 'pg_wal'), '--no-same-owner']);
      appendFileSync(join(d, 'postgresql.auto.conf'), [
        `restore_command = 'cp ${archiveDir}/%f %p'`, `recovery_target_time = '${target.replace('T', ' ').replace('Z', '+00')}'`,
        `recovery_target_action = 'promote'`, `archive_mode = 'off'`, `port = ${restorePort}`, `unix_socket_directories = '${d}'`, '',
      ].join('\n'));
      writeFileSync(join(d, 'recovery.signal'), '');
      execFileSync('chown', ['-R', `${owner.uid}:${owner.gid}`, d]);
      asOwner(`${BIN}/pg_ctl`, ['start', '-D', d, '-w', '-l', join(d, 'log')]);
      for (;;) {
        const r = spawnSync(`${BIN}/psql`, ['-XAtqc', 'select pg_is_in_recovery()', '-h', d, '-p', String(restorePort), '-U', user, 'postgres'], { encoding: 'utf8' });
        if (r.stdout.trim() === 'f') break;
        spawnSync('sleep', ['0.05']);
      }
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      stop(d);
      rmSync(d, { recursive: true, force: true });
      return seconds;
    };
    const restorePairs = [];
    for (let i = 0; i < repeats; i++) {
      const pair = i % 2 === 0 ? { hand: restoreByHand(), ours: restoreOurs() } : (() => { const o = restoreOurs(); return { ours: o, hand: restoreByHand() }; })();
      restorePairs.push(pair);
      process.stdout.write(`  restore pair ${i + 1}/${repeats}: by hand ${pair.hand.toFixed(2)} s, pgbackops restore ${pair.ours.seconds.toFixed(2)} s (RTO ${(pair.ours.rtoMs / 1000).toFixed(2)} s)\n`);
    }
    const restoreFigures = {
      byHandSeconds: median(restorePairs.map((p) => p.hand)),
      pgbackopsRestoreSeconds: median(restorePairs.map((p) => p.ours.seconds)),
      rtoSeconds: median(restorePairs.map((p) => p.ours.rtoMs / 1000)),
      medianPairRatio: median(restorePairs.map((p) => p.ours.seconds / p.hand)),
    };
    restoreFigures.ratio = restoreFigures.pgbackopsRestoreSeconds / restoreFigures.byHandSeconds;

    // 3. What starting a restore costs, in CPU (what a loaded machine inflates least): a restore of a backup id
    // the catalog does not have, refused after everything a restore does before its plan (the start, acting as
    // the job user, the catalog's answer). Started as root for a server whose jobs run as the cluster's owner
    // (a cron.d scheduler with `user`: the bench's own server above runs its jobs as root, who acts as no one),
    // and started as that user. Its own state directory, with the catalog in a database of the bench cluster.
    const startupRuns = Number(process.env.BENCH_RESTORE_STARTUP_RUNS ?? 15);
    const jobUser = execFileSync('id', ['-nu', String(owner.uid)], { encoding: 'utf8' }).trim();
    execFileSync(`${BIN}/createdb`, ['startup_catalog'], { env });
    const startupCatalog = `postgresql://${encodeURIComponent(user)}@/startup_catalog?host=${encodeURIComponent(socketDir)}&port=${port}`;
    const startupConfig = join(work.dir, 'startup-config');
    const startupState = join(work.dir, 'startup-state');
    mkdirSync(startupConfig);
    writeFileSync(join(startupConfig, 'all.yaml'), `apiVersion: pgbackops/v1
kind: BackupServer
metadata: { name: startup }
spec: { host: startup.example.org, backupRoot: ${join(work.dir, 'startup-backups')}, scheduler: { type: cron.d, file: ${join(work.dir, 'startup-cron', 'pgbackops')}, user: ${jobUser} } }
---
apiVersion: pgbackops/v1
kind: Node
metadata: { name: pg }
spec: { host: ${socketDir}, port: ${port}, user: ${user}, backupServer: startup }
`);
    mkdirSync(join(work.dir, 'startup-cron'));
    runCli(['apply', '--yes', '-c', startupConfig, '--state-dir', startupState, '--catalog', startupCatalog]);
    const startup = (asJobUser) => {
      const args = [cliPath, 'restore', '00000000-0000-4000-8000-000000000000', '--to-dir', join(work.dir, 'nowhere'), '--yes', '--state-dir', startupState, '--catalog', startupCatalog];
      const as = asJobUser ? ['setpriv', `--reuid=${owner.uid}`, `--regid=${owner.gid}`, '--clear-groups', '--'] : [];
      const r = spawnSync('/usr/bin/time', ['-f', '__CPU=%U+%S', ...as, process.execPath, ...args], { encoding: 'utf8', cwd: '/' });
      if (!/no backup with id/.test(r.stderr)) throw new Error(`restore of an unknown id as ${asJobUser ? jobUser : 'root'}: ${r.stderr}`);
      const cpu = /__CPU=([\d.]+)\+([\d.]+)/.exec(r.stderr);
      return (Number(cpu[1]) + Number(cpu[2])) * 1000;
    };
    const startupMs = { root: [], jobUser: [] };
    for (let i = 0; i < startupRuns; i++) {
      startupMs.root.push(startup(false));
      startupMs.jobUser.push(startup(true));
    }
    const startupFigures = { rootCpuMs: median(startupMs.root), jobUserCpuMs: median(startupMs.jobUser), runs: startupRuns };

    printTable(`PITR restore to a target time, started and promoted, ${size}, ${repeats} interleaved pairs, medians`, [
      ['by hand: tar -x, settings, cp restore_command, pg_ctl start, wait (s)', restoreFigures.byHandSeconds.toFixed(2)],
      ['pgbackops restore --to-dir --target-time --start (s)', restoreFigures.pgbackopsRestoreSeconds.toFixed(2)],
      ['ratio pgbackops / by hand (of the medians)', restoreFigures.ratio.toFixed(3), '<= 1.05'],
      ['ratio pgbackops / by hand (median of the pairs)', restoreFigures.medianPairRatio.toFixed(3)],
      ['RTO reported by pgbackops (s)', restoreFigures.rtoSeconds.toFixed(2)],
    ]);
    printTable(`restore start-up: a restore refused after its start (unknown backup id), CPU ms (user+sys, children included), medians of ${startupRuns}`, [
      [`started as root, acting as the job user (${jobUser})`, startupFigures.rootCpuMs.toFixed(0)],
      [`started as the job user (${jobUser})`, startupFigures.jobUserCpuMs.toFixed(0)],
    ]);
    const bySize = measureFurtherSizes();
    return { clusterBytes: bySize[0].clusterBytes, scale: bySize[0].scale, pairs: repeats, backup: backupFigures, restore: restoreFigures, restoreStartup: startupFigures, bySize };
  } finally {
    work.remove();
    await cluster.stop().catch(() => undefined);
  }
}
