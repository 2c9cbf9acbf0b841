// Query plans and report timings at many run rows (issue 16): a generated fleet (default 10,000 definitions)
// applied to a local catalog, 100 runs per definition written by SQL, then the commands that read runs
// (reports, the status page, maintain's one-off claims, the daemon's /status) run with PostgreSQL's auto_explain
// logging the executed plan (EXPLAIN ANALYZE, BUFFERS) of every statement they issue; prints, per command, the
// statements' server-side time and each statement that scans a big table sequentially or sorts on disk
// (work_mem is the default 4 MB). No SQL is copied here: what is checked is exactly what the commands send.
// Before that, each report (`backups`, `backups --definition`, `backups` page 2 by its cursor, `status
// --no-nodes`, `history`, `show`, `status --html`) is timed, whole process, median of 3 (wall and CPU), and
// the daemon's GET /status (first and median of 5), next to issue 16's target (<= 1 s at 100,000 definitions
// and 10,000,000 runs).
//
// The fleet is applied by the product (the catalog then holds what a daemon over the same files finds
// converged), with 100 one-off Restores due in 2099 (pending: what maintain's and the daemon's claims look
// at). The runs are written by SQL (generate_series, one statement per day), not the CLI: the run table's
// indexes are dropped for the insert and built again afterwards from their own definitions (pg_indexes),
// which is several times faster than maintaining a dozen indexes row by row; then VACUUM ANALYZE.
//   node bench/run.js --only explain                (10,000 definitions x 100 runs = 1,000,000)
//   node bench/run.js --only reports                (BENCH_REPORTS_DEFINITIONS x BENCH_REPORTS_RUNS, default 100,000 x 100 = 10,000,000)
//   BENCH_REPORTS_DEFINITIONS=10000 BENCH_REPORTS_RUNS=100 node bench/run.js --only reports
// BENCH_REPORTS_KEEP=DIR keeps the catalog's state directory and the fleet in DIR (stopped) for a later look;
// BENCH_REPORTS_REUSE=DIR times and explains again over a catalog so kept (DIR/catalog, left in place; its
// auto_explain settings turned off first), without the half hour of filling 10,000,000 runs: e.g. another
// build over the same catalog. BENCH_REPORTS_DEFINITIONS must be the kept fleet's size.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { median, root, runCli } from './lib.js';
import { openLocalCatalog, seedNightlyRuns, withLocalCatalog } from './local-catalog.js';
import { startBenchDaemon, stopBenchDaemons } from './daemon.js';

const BIG_TABLES = ['backup_runs', 'restore_runs'];

/**
 * Statements that read every row they scan by design, so a sequential scan is their right plan: the retention
 * pass reads every run of the server (each group's whole history decides what it keeps). Listed apart from
 * the findings, with the reason.
 */
const WHOLE_READS = [
  { pattern: /string_agg\(uuid_send\(id\)/, why: 'retention reads every run of the server' },
];

/** Issue 16: every report answers within this at 100,000 definitions and 10,000,000 runs. */
const REPORT_TARGET_SECONDS = 1;
/** One-off Restores written into the fleet, due in 2099: pending, so every claim and due-time query looks at them. */
const PENDING_RESTORES = 100;

/** The first `n` Backup names of the generated fleet's files (block or flow `metadata`). */
function backupNames(dir, n) {
  const names = [];
  const walk = (d) => {
    for (const entry of readdirSync(d).sort()) {
      const path = join(d, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.ya?ml$/.test(entry)) {
        for (const m of readFileSync(path, 'utf8').matchAll(/kind: Backup\s*\n\s*metadata:\s*\{?\s*\n?\s*name: ['"]?([a-z0-9-]+)/g)) names.push(m[1]);
      }
      if (names.length >= n) return;
    }
  };
  walk(dir);
  return names.slice(0, n);
}

function pendingRestoresYaml(definitions) {
  return definitions.map((d, i) => `---
apiVersion: pgbackops/v1
kind: Restore
metadata: { name: bench-restore-${String(i).padStart(3, '0')} }
spec:
  from: { latestOf: ${d}, database: app }
  toNode: ${d.replace(/-db\d+$/, '')}
  database: app_restored_${i}
  at: "2099-01-01T00:00:00Z"
`).join('');
}

/** auto_explain log entries ("duration: ... plan: Query Text: ... <plan>") of a log slice, with what each scanned. */
function explainedStatements(log) {
  const out = [];
  for (const entry of log.split(/\n(?=\S.*LOG: {2}duration: )/)) {
    const duration = /LOG: {2}duration: ([\d.]+) ms/.exec(entry);
    if (!duration) continue;
    const scanned = BIG_TABLES.filter((t) => new RegExp(`Seq Scan on ${t}\\b`).test(entry)).map((t) => `Seq Scan on ${t}`);
    const spilled = /Sort Method: external \w+\s+Disk: \d+kB/.exec(entry)?.[0];
    if (spilled) scanned.push(spilled);
    // The text runs up to the plan's first node (every node line carries its estimated cost).
    const query = (/Query Text: ([\s\S]*?)\n[^\n]*\(cost=/.exec(entry)?.[1] ?? entry.slice(0, 400)).replace(/\s+/g, ' ').trim();
    const buffers = /Buffers: shared hit=(\d+)(?: read=(\d+))?/.exec(entry);
    out.push({ ms: Number(duration[1]), query, scanned, buffers: buffers ? Number(buffers[1]) + Number(buffers[2] ?? 0) : null });
  }
  return out;
}

async function timedGet(url) {
  const started = process.hrtime.bigint();
  const res = await fetch(url);
  const body = await res.text();
  if (res.status !== 200) throw new Error(`${url} answered ${res.status}: ${body.slice(0, 200)}`);
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, bytes: body.length, body };
}

export async function benchExplainRuns({ definitions = 10_000, runsPerDefinition = 100, timings = true, daemon = true } = {}) {
  const reuse = process.env.BENCH_REPORTS_REUSE ? join(process.env.BENCH_REPORTS_REUSE, 'catalog') : null;
  const work = reuse ?? mkdtempSync(join(tmpdir(), 'pgbackops-explain-'));
  chmodSync(work, 0o755);
  const config = join(work, 'config');
  const stateDir = join(work, 'state');
  const phases = {};
  const phase = async (name, fn) => {
    const started = process.hrtime.bigint();
    const result = await fn();
    phases[name] = Number(process.hrtime.bigint() - started) / 1e9;
    process.stdout.write(`  ${name}: ${phases[name].toFixed(1)} s (load ${loadavg()[0].toFixed(1)})\n`);
    return result;
  };
  const common = ['-c', config, '--state-dir', stateDir, '--server', 'backup01'];
  const loads = [];
  try {
    process.stdout.write(`\nReports bench: ${definitions.toLocaleString('en')} definitions x ${runsPerDefinition} runs${reuse ? ` (kept catalog ${reuse})` : ''}\n`);
    const { localCatalogPaths } = await import('../dist/adapters/catalog/local-catalog.js');
    const restoreOf = reuse ? backupNames(config, PENDING_RESTORES) : [];
    if (reuse) {
      // The kept catalog's server was left logging every statement's plan: not while timing.
      await withLocalCatalog(stateDir, async (c) => {
        await c.query("load 'auto_explain'"); // its parameters are known once it is loaded
        for (const setting of ['session_preload_libraries', 'auto_explain.log_min_duration', 'auto_explain.log_analyze', 'auto_explain.log_buffers', 'auto_explain.log_timing']) {
          await c.query(`alter system reset ${setting}`);
        }
        await c.query('select pg_reload_conf()');
      });
    } else await fill();
    async function fill() {
    await phase('fleet generated', () => execFileSync(process.execPath, [join(root, 'examples/fleet/generate.mjs'), '--out', config, '--servers', '1', '--nodes', String(Math.max(1, definitions / 10)), '--definitions', String(definitions)]));
    restoreOf.push(...backupNames(config, PENDING_RESTORES));
    writeFileSync(join(config, 'pending-restores.yaml'), pendingRestoresYaml(restoreOf));
    await phase('fleet applied (pgbackops apply)', () => runCli(['apply', '--yes', ...common]));
    const client = await openLocalCatalog(stateDir);
    // Without the run indexes while filling (rebuilt below): millions of rows go in several times faster.
    const indexes = (await client.query(
      `select indexname, indexdef from pg_indexes where schemaname = 'pgbackops' and tablename = 'backup_runs' and indexname <> 'backup_runs_pkey'`)).rows;
    for (const { indexname } of indexes) await client.query(`drop index pgbackops.${indexname}`);
    // The run summaries' triggers (migration 029) recompute each written definition by index probes: off while
    // the indexes are, then every definition recomputed once by the migration's own function. The kept-bytes
    // triggers stay on (a difference per definition and statement, no probe).
    const summaryTriggers = (await client.query(
      `select tgname from pg_trigger where tgrelid = 'pgbackops.backup_runs'::regclass and tgname like 'backup_runs_summaries_%'`)).rows.map((r) => r.tgname);
    for (const name of summaryTriggers) await client.query(`alter table pgbackops.backup_runs disable trigger ${name}`);
    await phase('runs written (SQL)', () => seedNightlyRuns(client, runsPerDefinition));
    // Restores too, or the planner rightly reads a table of a few rows whole and the listing is never tested.
    await phase('restore runs written (SQL)', () => client.query(`
      insert into pgbackops.restore_runs (backup_run_id, definition, source_database, target_node, target_database, status, started_at, finished_at, purpose)
      select r.id, r.definition, r.database, r.node, 'restored_' || r.n, 'succeeded', r.started_at + interval '1 hour', r.started_at + interval '2 hours', 'restore'
        from (select id, definition, database, node, started_at, row_number() over () as n from pgbackops.backup_runs) r
       where r.n % 10 = 0`));
    await client.query("set maintenance_work_mem = '512MB'");
    await phase('run indexes built', async () => { for (const { indexdef } of indexes) await client.query(indexdef); });
    if (summaryTriggers.length > 0) {
      for (const name of summaryTriggers) await client.query(`alter table pgbackops.backup_runs enable trigger ${name}`);
      await phase('run summaries computed (migration 029)', () => client.query('select pgbackops.refresh_run_summaries(array(select name from pgbackops.definitions))'));
    }
    await phase('vacuum analyze', () => client.query('vacuum analyze'));
    await client.end();
    }
    const client = await openLocalCatalog(stateDir);
    const someRun = (await client.query('select left(id::text, 8) as prefix from pgbackops.backup_runs order by started_at limit 1')).rows[0].prefix;
    const rows = Number((await client.query('select count(*) from pgbackops.backup_runs')).rows[0].count);
    const restoreRows = Number((await client.query('select count(*) from pgbackops.restore_runs')).rows[0].count);
    const pendingRestores = Number((await client.query("select count(*) from pgbackops.restores where state = 'pending'")).rows[0].count);
    await client.end();
    const logFile = localCatalogPaths(stateDir).logFile;
    const definition = restoreOf[0];
    const html = join(work, 'status.html');
    // Page 2 of `backups`, when this build prints a cursor (`next_after` in its JSON).
    const firstPage = JSON.parse(runCli(['backups', '--json', ...common]).stdout);
    const nextAfter = firstPage.next_after ?? null;
    // Page 2 of `status`, when this build pages it (`next_after` in its JSON; before, it listed every definition).
    const statusNextAfter = JSON.parse(runCli(['status', '--no-nodes', '--json', ...common]).stdout).next_after ?? null;
    const reports = [
      { label: 'backups', args: ['backups', ...common] },
      { label: 'backups --definition DEF', args: ['backups', '--definition', definition, ...common] },
      ...(nextAfter ? [{ label: 'backups --after CURSOR (page 2)', args: ['backups', '--after', nextAfter, ...common] }] : []),
      { label: 'backups --limit 1000 --json', args: ['backups', '--limit', '1000', '--json', ...common] },
      { label: 'status --no-nodes', args: ['status', '--no-nodes', ...common] },
      { label: 'status --no-nodes --json', args: ['status', '--no-nodes', '--json', ...common] },
      ...(statusNextAfter ? [
        { label: 'status --no-nodes --after CURSOR (page 2)', args: ['status', '--no-nodes', '--after', statusNextAfter, ...common] },
        { label: 'status --no-nodes --state healthy', args: ['status', '--no-nodes', '--state', 'healthy', ...common] },
      ] : []),
      { label: 'history', args: ['history', ...common] },
      { label: 'show ID', args: ['show', someRun, ...common] },
      // The status page's read (docs/status-page.md) is not one of issue 16's reports; at 100,000 definitions it
      // takes minutes under load: BENCH_REPORTS_HTML=1 to include it there.
      ...(definitions <= 10_000 || process.env.BENCH_REPORTS_HTML === '1' ? [{ label: 'status --html FILE', args: ['status', '--html', html, ...common] }] : []),
    ];
    const timed = [];
    const report = (label, seconds, cpuSeconds, bytes) => {
      const width = 42;
      process.stdout.write(`  ${label.padEnd(width)}  ${seconds.toFixed(3).padStart(8)} s wall  ${cpuSeconds === null ? ''.padStart(13) : `${cpuSeconds.toFixed(2).padStart(6)} s CPU  `}${String(bytes).padStart(11)} bytes   (target <= ${REPORT_TARGET_SECONDS} s at 100,000 definitions / 10,000,000 runs)   load ${loadavg()[0].toFixed(1)}\n`);
    };
    if (timings) {
      process.stdout.write(`\nReports at ${definitions.toLocaleString('en')} definitions, ${rows.toLocaleString('en')} runs, ${restoreRows.toLocaleString('en')} restore runs, ${pendingRestores} pending Restores (whole process, median of 3; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}):\n`);
      for (const { label, args } of reports) {
        const runs = [0, 1, 2].map(() => runCli(args, { allowExit: [0, 1, 2] }));
        loads.push(loadavg()[0]);
        const t = { report: label, seconds: median(runs.map((r) => r.seconds)), cpuSeconds: runs.every((r) => r.cpuSeconds !== null) ? median(runs.map((r) => r.cpuSeconds)) : null, stdoutBytes: runs[0].stdout.length, exit: runs[0].status };
        timed.push(t);
        report(label, t.seconds, t.cpuSeconds, t.stdoutBytes);
      }
    }
    const daemonArgs = ['-c', config, '--state-dir', stateDir, '--server', 'backup01'];
    let daemonStatus = null;
    if (daemon) {
      const started = process.hrtime.bigint();
      const d = await startBenchDaemon(daemonArgs);
      const firstPassSeconds = Number(process.hrtime.bigint() - started) / 1e9;
      try {
        const url = `http://127.0.0.1:${d.port}/status`;
        const first = await timedGet(url);
        const next = [];
        for (let i = 0; i < 5; i++) next.push(await timedGet(url));
        daemonStatus = { firstPassSeconds, firstSeconds: first.seconds, medianSeconds: median(next.map((n) => n.seconds)), bytes: first.bytes };
        report('daemon GET /status (first)', first.seconds, null, first.bytes);
        report('daemon GET /status (median of 5)', daemonStatus.medianSeconds, null, first.bytes);
        // Its next page, when this build pages it.
        const after = JSON.parse(first.body).next_after ?? null;
        if (after) {
          const pages = [];
          for (let i = 0; i < 5; i++) pages.push(await timedGet(`${url}?after=${encodeURIComponent(after)}`));
          daemonStatus.page2MedianSeconds = median(pages.map((n) => n.seconds));
          report('daemon GET /status?after= (median of 5)', daemonStatus.page2MedianSeconds, null, pages[0].bytes);
        }
      } finally {
        await d.stop();
      }
    }

    await withLocalCatalog(stateDir, async (c) => {
      // Loaded here first: ALTER SYSTEM only knows a module's parameters once the module is loaded.
      await c.query("load 'auto_explain'");
      await c.query("alter system set session_preload_libraries = 'auto_explain'");
      await c.query('alter system set auto_explain.log_min_duration = 0');
      // Executed plans with their buffers, for "Sort Method: external merge  Disk: ..." (without timing every node).
      await c.query('alter system set auto_explain.log_analyze = on');
      await c.query('alter system set auto_explain.log_buffers = on');
      await c.query('alter system set auto_explain.log_timing = off');
      await c.query('select pg_reload_conf()');
    });
    const explained = [];
    const commands = [
      ...reports,
      { label: 'maintain --one-offs-only', args: ['maintain', '--one-offs-only', ...common] },
      // Retention reads every run of the server by design: minutes at 10,000,000 runs.
      ...(rows <= 2_000_000 ? [{ label: 'prune --dry-run', args: ['prune', '--dry-run', ...common] }] : []),
    ];
    for (const { label, args } of commands) {
      const before = readFileSync(logFile, 'utf8').length;
      const result = runCli(args, { allowExit: [0, 1, 2] });
      explained.push({ command: label, exit: result.status, statements: explainedStatements(readFileSync(logFile, 'utf8').slice(before)) });
    }
    if (daemon) {
      const d = await startBenchDaemon(daemonArgs);
      try {
        const before = readFileSync(logFile, 'utf8').length;
        await timedGet(`http://127.0.0.1:${d.port}/status`);
        await new Promise((r) => setTimeout(r, 500));
        explained.push({ command: 'daemon GET /status', exit: 0, statements: explainedStatements(readFileSync(logFile, 'utf8').slice(before)) });
      } finally {
        await d.stop();
      }
    }
    process.stdout.write(`\nServer side at ${rows.toLocaleString('en')} backup_runs rows (auto_explain: EXPLAIN ANALYZE, BUFFERS of every statement, timing off): statements, their total, the slowest\n`);
    const width = Math.max(...explained.map((e) => e.command.length));
    for (const e of explained) {
      const total = e.statements.reduce((sum, s) => sum + s.ms, 0);
      const slowest = e.statements.reduce((a, b) => (b.ms > (a?.ms ?? -1) ? b : a), null);
      e.totalMs = total;
      process.stdout.write(`  ${e.command.padEnd(width)}  ${String(e.statements.length).padStart(4)} stmts  ${total.toFixed(1).padStart(9)} ms   slowest ${slowest ? `${slowest.ms.toFixed(1)} ms (${slowest.buffers ?? '?'} buffers): ${slowest.query.slice(0, 110)}` : '-'}\n`);
    }
    const findings = explained.flatMap((e) => e.statements.filter((s) => s.scanned.length > 0).map((s) => ({
      command: e.command, tables: s.scanned, ms: s.ms, query: s.query.slice(0, 300), exit: e.exit, expected: WHOLE_READS.find((w) => w.pattern.test(s.query))?.why ?? null,
    })));
    process.stdout.write(`\nSequential scans of ${BIG_TABLES.join(', ')} and sorts on disk at ${rows.toLocaleString('en')} backup_runs rows (${definitions} definitions x ${runsPerDefinition}):\n`);
    const unexpected = findings.filter((f) => !f.expected);
    if (unexpected.length === 0) process.stdout.write('  none\n');
    for (const f of unexpected) process.stdout.write(`  ${f.command}: ${f.tables.join(', ')} (${f.ms.toFixed(1)} ms): ${f.query}\n`);
    process.stdout.write('Whole-table reads by design (a sequential scan is their plan):\n');
    for (const f of findings.filter((f) => f.expected)) process.stdout.write(`  ${f.command}: ${f.expected} (${f.ms.toFixed(1)} ms)\n`);
    return { rows, definitions, runsPerDefinition, phases, timed, daemonStatus, explained: explained.map(({ command, exit, totalMs, statements }) => ({ command, exit, totalMs, statements: statements.length })), findings, loads };
  } finally {
    await stopBenchDaemons();
    try { runCli(['catalog', 'stop', '--state-dir', stateDir]); } catch { /* already stopped */ }
    if (reuse) { /* left where it was kept */ } else if (process.env.BENCH_REPORTS_KEEP) {
      mkdirSync(process.env.BENCH_REPORTS_KEEP, { recursive: true });
      renameSync(work, join(process.env.BENCH_REPORTS_KEEP, 'catalog'));
    } else rmSync(work, { recursive: true, force: true });
  }
}
