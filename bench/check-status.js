// check-status benchmark (issue 14: "status check over 10,000 definitions <= 1 s"): `pgbackops check-status`
// as Nagios/Icinga runs it (a whole process, every definition in scope) over fleets of 1,000 and 10,000
// definitions in a local catalog, each with 30 nightly runs (every 50th definition's latest failed, every
// 70th never ran). Per size: the median wall and CPU seconds of 5 checks, the cost above Node's start
// (`--version`, the same number of times), one node's scope (`--node`), and the growth exponent of the cost
// between sizes. `BENCH_CHECK_SIZES=1000,10000` and `BENCH_CHECK_REPEATS=5` change them.
//   node bench/run.js --only check-status
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median, printTable, root, runCli } from './lib.js';
import { withLocalCatalog } from './local-catalog.js';

export async function benchCheckStatus({
  sizes = (process.env.BENCH_CHECK_SIZES ?? '1000,10000').split(',').map(Number),
  repeats = Number(process.env.BENCH_CHECK_REPEATS ?? 5),
} = {}) {
  const work = mkdtempSync(join(tmpdir(), 'pgbackops-bench-check-'));
  chmodSync(work, 0o755);
  const rows = [];
  try {
    for (const definitions of sizes) rows.push(await figuresFor(definitions, work, repeats));
    const table = [];
    for (const [i, r] of rows.entries()) {
      table.push([`${r.definitions} definitions: check-status, median wall (s)`, r.wallSeconds.toFixed(3), r.definitions >= 10_000 ? '<= 1 s' : undefined]);
      table.push([`${r.definitions} definitions: CPU (s)`, r.cpuSeconds === null ? 'n/a' : r.cpuSeconds.toFixed(3)]);
      table.push([`${r.definitions} definitions: Node start (--version), wall / CPU (s)`, `${r.startSeconds.toFixed(3)} / ${r.startCpuSeconds === null ? 'n/a' : r.startCpuSeconds.toFixed(3)}`]);
      table.push([`${r.definitions} definitions: above the start, wall (s)`, r.aboveStartSeconds.toFixed(3)]);
      table.push([`${r.definitions} definitions: one node (--node), wall (s)`, r.nodeScopeSeconds.toFixed(3)]);
      table.push([`${r.definitions} definitions: verdict`, r.line.split(' - ')[0]]);
      if (i > 0) {
        const prev = rows[i - 1];
        const exponent = Math.log(r.aboveStartSeconds / prev.aboveStartSeconds) / Math.log(r.definitions / prev.definitions);
        r.growthExponent = exponent;
        table.push([`growth exponent ${prev.definitions} -> ${r.definitions} (above the start), wall`, exponent.toFixed(2), '<= 1.15']);
        if (r.cpuSeconds !== null && prev.cpuSeconds !== null) {
          // CPU seconds are what a loaded machine inflates least.
          r.cpuGrowthExponent = Math.log((r.cpuSeconds - r.startCpuSeconds) / (prev.cpuSeconds - prev.startCpuSeconds)) / Math.log(r.definitions / prev.definitions);
          table.push([`growth exponent ${prev.definitions} -> ${r.definitions} (above the start), CPU`, r.cpuGrowthExponent.toFixed(2), '<= 1.15']);
        }
      }
    }
    printTable('check-status: whole process over every definition (local catalog, 30 runs per definition)', table);
    return rows;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

async function figuresFor(definitions, work, repeats) {
  const config = join(work, `fleet-${definitions}`);
  const stateDir = join(work, `state-${definitions}`);
  execFileSync(process.execPath, [join(root, 'examples/fleet/generate.mjs'), '--out', config, '--servers', '1', '--nodes', String(Math.max(1, definitions / 10)), '--definitions', String(definitions)]);
  const common = ['-c', config, '--state-dir', stateDir, '--server', 'backup01'];
  try {
    runCli(['apply', '--yes', ...common]);
    await seedRuns(stateDir);
    const check = (extra = []) => runCli(['check-status', '--warning', '2d', '--critical', '4d', ...extra, ...common], { allowExit: [0, 1, 2] });
    check(); // warm the catalog's caches: the figure is a check on a running catalog, not a cold start
    const checks = [];
    const starts = [];
    // Interleaved, so that load changes on the machine reach both the same way.
    for (let i = 0; i < repeats; i++) {
      checks.push(check());
      starts.push(runCli(['--version']));
    }
    const nodeScope = [];
    for (let i = 0; i < repeats; i++) nodeScope.push(check(['--node', 'pg0001']));
    const wall = median(checks.map((c) => c.seconds));
    const start = median(starts.map((c) => c.seconds));
    const cpu = checks.every((c) => c.cpuSeconds !== null) ? median(checks.map((c) => c.cpuSeconds)) : null;
    const startCpu = starts.every((c) => c.cpuSeconds !== null) ? median(starts.map((c) => c.cpuSeconds)) : null;
    return {
      definitions,
      wallSeconds: wall,
      cpuSeconds: cpu,
      startSeconds: start,
      startCpuSeconds: startCpu,
      aboveStartSeconds: Math.max(0.001, wall - start),
      nodeScopeSeconds: median(nodeScope.map((c) => c.seconds)),
      peakRssMiB: Math.max(...checks.map((c) => c.rssMiB ?? 0)),
      line: checks[0].stdout.trim().split('\n')[0],
    };
  } finally {
    try { runCli(['catalog', 'stop', '--state-dir', stateDir]); } catch { /* never started */ }
  }
}

/** 30 nightly runs per definition; every 50th definition's latest failed, every 70th never ran. */
export function seedRuns(stateDir) {
  return withLocalCatalog(stateDir, async (client) => {
    await client.query(`
      insert into pgbackops.backup_runs (definition, node, backup_server, database, backup_type, format, status, started_at, finished_at, failure_reason, retention, timezone)
      select d.name, d.spec->>'node', 'backup01', d.spec->'databases'->>0, 'full', 'custom',
             case when g = 0 and d.n % 50 = 0 then 'failed' else 'succeeded' end,
             date_trunc('day', now()) + interval '90 minutes' - make_interval(days => g),
             date_trunc('day', now()) + interval '95 minutes' - make_interval(days => g),
             case when g = 0 and d.n % 50 = 0 then 'bench' end,
             coalesce(r.spec, d.spec->'retention'), 'UTC'
        from (select name, spec, row_number() over (order by name) as n from pgbackops.definitions) d
        left join pgbackops.retentions r on r.name = d.spec->>'retention'
        cross join generate_series(0, 29) g
       where d.n % 70 <> 0`);
    await client.query('vacuum analyze');
  });
}
