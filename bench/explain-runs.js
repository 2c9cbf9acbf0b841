// Query plans at 1,000,000 run rows (issue 16): a 10,000-definition fleet with 100 runs each in a local
// catalog, then the commands that read runs (reports, the status page, prune, maintain) run with PostgreSQL's
// auto_explain logging the executed plan of every statement they issue; prints each statement that scans a big
// table sequentially or sorts on disk (work_mem is the default 4 MB). No SQL is copied here: what is checked is
// exactly what the commands send. Each report (`backups`, `backups DEF`, `status --no-nodes`, `history`,
// `show`, `status --html`) is also timed, whole process, median of 3, next to issue 16's target (<= 1 s at
// 100,000 definitions and 10,000,000 runs).
//
// The runs are written by SQL (generate_series), not the CLI: the run table's indexes are dropped for the
// insert and built again afterwards from their own definitions (pg_indexes), which is several times faster
// than maintaining a dozen indexes row by row.
//   node bench/run.js --only explain                (10,000 definitions x 100 runs = 1,000,000)
//   node bench/run.js --only reports                (BENCH_REPORTS_DEFINITIONS x BENCH_REPORTS_RUNS, default 100,000 x 100 = 10,000,000)
//   BENCH_REPORTS_DEFINITIONS=10000 BENCH_REPORTS_RUNS=30 node bench/run.js --only reports
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median, root, runCli } from './lib.js';
import { openLocalCatalog, seedNightlyRuns } from './local-catalog.js';

const BIG_TABLES = ['backup_runs', 'restore_runs'];

/**
 * Statements that read every row they scan by design, so a sequential scan is their right plan: the retention
 * pass reads every run of the server (each group's whole history decides what it keeps), and status sums the
 * kept bytes of every definition it lists. Listed apart from the findings, with the reason.
 */
const WHOLE_READS = [
  { pattern: /string_agg\(uuid_send\(id\)/, why: 'retention reads every run of the server' },
  { pattern: /coalesce\(sum\(bytes\), 0\)/, why: 'status sums the kept bytes of every definition it lists' },
];

/** Issue 16: every report answers within this at 100,000 definitions and 10,000,000 runs. */
const REPORT_TARGET_SECONDS = 1;

export async function benchExplainRuns({ definitions = 10_000, runsPerDefinition = 100, timings = true } = {}) {
  const work = mkdtempSync(join(tmpdir(), 'pgbackops-explain-'));
  chmodSync(work, 0o755);
  const config = join(work, 'config');
  const stateDir = join(work, 'state');
  execFileSync(process.execPath, [join(root, 'examples/fleet/generate.mjs'), '--out', config, '--servers', '1', '--nodes', String(definitions / 10), '--definitions', String(definitions)]);
  const common = ['-c', config, '--state-dir', stateDir, '--server', 'backup01'];
  try {
    runCli(['apply', '--yes', ...common]);
    const { localCatalogPaths } = await import('../dist/adapters/catalog/local-catalog.js');
    const client = await openLocalCatalog(stateDir);
    const fillStarted = process.hrtime.bigint();
    // Without the run indexes while filling (rebuilt below): millions of rows go in several times faster.
    const indexes = (await client.query(
      `select indexname, indexdef from pg_indexes where schemaname = 'pgbackops' and tablename = 'backup_runs' and indexname <> 'backup_runs_pkey'`)).rows;
    for (const { indexname } of indexes) await client.query(`drop index pgbackops.${indexname}`);
    await seedNightlyRuns(client, runsPerDefinition);
    // Restores too, or the planner rightly reads a table of a few rows whole and the listing is never tested.
    await client.query(`
      insert into pgbackops.restore_runs (backup_run_id, definition, source_database, target_node, target_database, status, started_at, finished_at, purpose)
      select r.id, r.definition, r.database, r.node, 'restored_' || g, 'succeeded', r.started_at + interval '1 hour', r.started_at + interval '2 hours', 'restore'
        from (select id, definition, database, node, started_at, row_number() over () as n from pgbackops.backup_runs) r
        cross join generate_series(1, 1) g
       where r.n % 10 = 0`);
    await client.query("set maintenance_work_mem = '256MB'");
    for (const { indexdef } of indexes) await client.query(indexdef);
    await client.query('vacuum analyze');
    const fillSeconds = Number(process.hrtime.bigint() - fillStarted) / 1e9;
    const someRun = (await client.query('select left(id::text, 8) as prefix from pgbackops.backup_runs order by started_at limit 1')).rows[0].prefix;
    const rows = Number((await client.query('select count(*) from pgbackops.backup_runs')).rows[0].count);
    await client.end();
    const logFile = localCatalogPaths(stateDir).logFile;
    const definition = 'pg0001-db00000';
    const commands = [
      ['backups', ...common],
      ['backups', definition, ...common],
      ['status', ...common],
      ['history', ...common],
      ['show', someRun, ...common],
      ['status', '--html', join(work, 'status.html'), ...common],
      ['prune', '--dry-run', ...common],
      ['maintain', ...common],
    ];
    // Timed before auto_explain logs every plan (its logging is not the report's cost): whole processes.
    const timed = [];
    if (timings) {
      const reports = [
        ['backups', ...common],
        ['backups', definition, ...common],
        ['status', '--no-nodes', ...common],
        ['history', ...common],
        ['show', someRun, ...common],
        ['status', '--html', join(work, 'timed.html'), ...common],
      ];
      for (const args of reports) {
        const runs = [0, 1, 2].map(() => runCli(args, { allowExit: [0, 1, 2] }));
        timed.push({ report: args.slice(0, args[0] === 'backups' && args[1] === definition ? 2 : args[1] === '--html' || args[1] === '--no-nodes' ? 2 : 1).join(' ').replace(join(work, 'timed.html'), 'FILE'),
          seconds: median(runs.map((r) => r.seconds)), cpuSeconds: runs.every((r) => r.cpuSeconds !== null) ? median(runs.map((r) => r.cpuSeconds)) : null,
          stdoutBytes: runs[0].stdout.length });
      }
    }
    // Printed at once: the plan checks below take minutes at this size (maintain's one-off claims).
    if (timed.length > 0) {
      process.stdout.write(`\nReports at ${definitions.toLocaleString('en')} definitions and ${rows.toLocaleString('en')} runs (whole process, median of 3; runs written in ${fillSeconds.toFixed(1)} s):\n`);
      const width = Math.max(...timed.map((t) => t.report.length));
      for (const t of timed) {
        process.stdout.write(`  ${t.report.padEnd(width)}  ${t.seconds.toFixed(3).padStart(8)} s wall  ${t.cpuSeconds === null ? '' : `${t.cpuSeconds.toFixed(2)} s CPU  `}${String(t.stdoutBytes).padStart(10)} bytes out   (target <= ${REPORT_TARGET_SECONDS} s at 100,000 definitions / 10,000,000 runs)\n`);
      }
    }
    await (async () => {
      const c = new pg.Client(await ensureLocalCatalog(stateDir));
      await c.connect();
      // Loaded here first: ALTER SYSTEM only knows a module's parameters once the module is loaded.
      await c.query("load 'auto_explain'");
      await c.query("alter system set session_preload_libraries = 'auto_explain'");
      await c.query('alter system set auto_explain.log_min_duration = 0');
      // Executed plans, for "Sort Method: external merge  Disk: ..." (without the cost of timing every node).
      await c.query('alter system set auto_explain.log_analyze = on');
      await c.query('alter system set auto_explain.log_timing = off');
      await c.query('select pg_reload_conf()');
      await c.end();
    })();
    const findings = [];
    for (const args of commands) {
      const before = readFileSync(logFile, 'utf8').length;
      const result = runCli(args, { allowExit: [0, 1, 2] });
      const log = readFileSync(logFile, 'utf8').slice(before);
      // auto_explain logs "duration: ... plan:\n Query Text: ...\n <plan>" per statement.
      for (const entry of log.split(/\n(?=\S.*LOG: {2}duration: )/)) {
        const scanned = BIG_TABLES.filter((t) => new RegExp(`Seq Scan on ${t}\\b`).test(entry)).map((t) => `Seq Scan on ${t}`);
        const spilled = /Sort Method: external \w+\s+Disk: \d+kB/.exec(entry)?.[0];
        if (spilled) scanned.push(spilled);
        if (scanned.length === 0) continue;
        const query = /Query Text: ([\s\S]*?)\n\s*(?:Limit|Sort|Seq|Hash|Nested|Merge|Aggregate|GroupAggregate|HashAggregate|Unique|Result|Index|Bitmap|Gather|Subquery|CTE|Append|Update|Delete|Insert|WindowAgg|Incremental|Materialize|ProjectSet|LockRows)/.exec(entry)?.[1] ?? entry.slice(0, 400);
        const whole = WHOLE_READS.find((w) => w.pattern.test(query));
        findings.push({ command: args[0] + (args[1] === definition ? ` ${definition}` : args[1] === '--html' ? ' --html' : ''), tables: scanned, query: query.replace(/\s+/g, ' ').slice(0, 300), exit: result.status, expected: whole?.why ?? null });
      }
    }
    process.stdout.write(`\nQuery plans at ${rows.toLocaleString('en')} backup_runs rows (${definitions} definitions x ${runsPerDefinition}): sequential scans of ${BIG_TABLES.join(', ')}, sorts on disk\n`);
    const unexpected = findings.filter((f) => !f.expected);
    if (unexpected.length === 0) process.stdout.write('  none\n');
    for (const f of unexpected) process.stdout.write(`  ${f.command}: ${f.tables.join(', ')}: ${f.query}\n`);
    process.stdout.write('Whole-table reads by design (a sequential scan is their plan):\n');
    for (const f of findings.filter((f) => f.expected)) process.stdout.write(`  ${f.command}: ${f.expected}\n`);
    return { rows, definitions, fillSeconds, findings, timed };
  } finally {
    try { runCli(['catalog', 'stop', '--state-dir', stateDir]); } catch { /* already stopped */ }
    rmSync(work, { recursive: true, force: true });
  }
}
