// RPO overhead benchmark (issue 14: "RPO computation adds <= 10 % to a 10,000-definition plan"): in one
// process, on a generated fleet of 1,000 and 10,000 definitions (every server holding `rpo: 26h`, so every
// database is measured), the cost of each RPO and coverage step next to the work it is part of:
// - validate: `validateConfig` as a whole, and `rpoBreaches` (W_RPO_BREACH) on its objects;
// - plan, no-op and with every 10th definition's schedule changed: `makePlan` without a clock (no worst
//   cases; the brake's count of uncovered databases is always made) and with one (the per-database effects),
//   and the brake's count alone;
// - status: `statusReport` without the nodes' answers and with them (each node's databases without a backup).
// CPU time of this process, medians of interleaved runs. The RPO share of a plan is that of validate + makePlan, which
// is less than a whole `plan` process costs (no catalog or schedule read, no Node start): an upper bound.
// Two shares are printed. The first times each step apart in this process (validate and rpoBreaches alternate
// in one year, so whichever runs second finds the worst cases remembered; code warm after the first repeat).
// The second, "as a plan process", is the target's figure: each repeat is a fresh Node process
// (bench/rpo-plan-process.js) that runs, cold, what a `plan` process runs: validate of the fleet without any
// `rpo:` (the base), rpoBreaches (what an rpo adds to validate), the brake's count of uncovered databases and
// the effects, makePlan without a clock (the base; its warm brake subtracted); RPO / base, medians of the
// repeats, with the absolute CPU ms of each part. `BENCH_RPO_AB=<other dist dir>` runs the same processes
// against another build (e.g. main's) in alternation and prints both.
// Last, the sentence as a user reads it: whole `pgbackops plan` processes (Node's start, loading, the catalog
// read, validation, planning, output) over the 10,000-definition fleet applied to a local catalog, each run
// with the RPO measures and without them (PGBACKOPS_BENCH_WITHOUT_RPO=1: src/core/rpo/bench-switch.ts), in
// alternated pairs, `plan` (through the load cache, warmed with the measures on) and `plan --no-cache`, no-op
// and with every 10th definition's schedule edited in the files; CPU (user + system, /usr/bin/time) and wall
// medians, and the median of the pairs' CPU shares (with / without - 1). `BENCH_RPO_WHOLE=0` skips it.
// `BENCH_RPO_SIZES=1000,10000`, `BENCH_RPO_REPEATS=5`.
//   node bench/run.js --only rpo
import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { median, printTable, root, runCli } from './lib.js';


/**
 * CPU milliseconds of this process (user + system) while `fn` runs: on a machine other work loads, wall time
 * is mostly waiting for a core, which says nothing about the code measured.
 */
function timed(fn) {
  const started = process.cpuUsage();
  const value = fn();
  const used = process.cpuUsage(started);
  return { ms: (used.user + used.system) / 1000, value };
}

/**
 * Medians of `repeats` interleaved runs of each function (alternating which goes first). Each repetition
 * gets its own instant, a year apart: worst cases are remembered per year (worst-gap.ts), and a `plan`
 * process computes them once, cold.
 */
function pairs(fns, repeats) {
  const times = fns.map(() => []);
  for (let i = 0; i < repeats; i++) {
    const at = Date.UTC(2030 + 2 * repetition++, 5, 1);
    const order = i % 2 === 0 ? fns.map((_, k) => k) : fns.map((_, k) => k).reverse();
    for (const k of order) times[k].push(timed(() => fns[k](at)).ms);
  }
  return times.map(median);
}
let repetition = 0;

export async function benchRpo({
  sizes = (process.env.BENCH_RPO_SIZES ?? '1000,10000').split(',').map(Number),
  repeats = Number(process.env.BENCH_RPO_REPEATS ?? 5),
} = {}) {
  const { readConfigDir } = await import('../dist/adapters/config-dir.js');
  const { validateConfig } = await import('../dist/core/config/validate.js');
  const { rpoBreaches } = await import('../dist/core/rpo/breaches.js');
  const { makePlan } = await import('../dist/core/plan/make-plan.js');
  const { projectObjects } = await import('../dist/core/plan/project.js');
  const { rpoEffects, touchedNodes } = await import('../dist/core/rpo/plan-effects.js');
  const { protectionLost } = await import('../dist/core/rpo/uncovered-databases.js');
  const { statusReport } = await import('../dist/core/reports/status-report.js');
  const { DEFAULT_PLAN_OPTIONS } = await import('../dist/core/plan/types.js');
  const work = mkdtempSync(join(tmpdir(), 'pgbackops-bench-rpo-'));
  const rows = [];
  try {
    for (const definitions of sizes) {
      const dir = join(work, `fleet-${definitions}`);
      execFileSync(process.execPath, [join(root, 'examples/fleet/generate.mjs'), '--out', dir, '--servers', '1', '--nodes', String(Math.max(1, definitions / 10)), '--definitions', String(definitions)]);
      // The same fleet without any rpo: validate computes no worst case at all (the base of the share); the
      // plan processes read this copy.
      const plainDir = `${dir}-plain`;
      cpSync(dir, plainDir, { recursive: true });
      // Every database held to an rpo: the server's default.
      const servers = join(dir, 'servers.yaml');
      writeFileSync(servers, readFileSync(servers, 'utf8').replace('  backupRoot: /srv/pgbackops\n', '  backupRoot: /srv/pgbackops\n  rpo: 26h\n'));
      const { files } = await readConfigDir(dir);
      const validated = validateConfig(files, { now: Date.UTC(2026, 11, 5) });
      if (!validated.config) throw new Error(`the generated fleet is invalid: ${validated.diagnostics.find((d) => d.severity === 'error')?.message}`);
      const objects = validated.config.objects;
      const breaches = rpoBreaches(objects, Date.UTC(2026, 11, 5)).length;
      const [validateMs, breachesMs] = pairs([(at) => validateConfig(files, { now: at }), (at) => rpoBreaches(objects, at)], repeats);

      const actual = { catalogVersion: 1, objects: objects.map(({ kind, name, spec, hash }) => ({ kind, name, spec, hash })), backupCounts: {} };
      let n = 0;
      const changed = {
        revision: 'changed',
        objects: objects.map((o) => (o.kind === 'Backup' && n++ % 10 === 0
          ? { ...o, spec: { ...o.spec, schedule: '0 4 * * 1-5', resolvedSchedule: '0 4 * * 1-5' }, hash: `${o.hash}-changed` }
          : o)),
      };
      const catalogOnly = { server: null, note: 'catalog only' };
      const plans = {};
      for (const [label, desired] of [['no-op', validated.config], ['10 % of schedules changed', changed]]) {
        const withEffects = makePlan(desired, actual, catalogOnly, DEFAULT_PLAN_OPTIONS, Date.UTC(2026, 11, 5));
        const after = projectObjects(actual.objects, withEffects.objectActions);
        const touched = touchedNodes(withEffects.objectActions);
        const [planMs, effectsMs, brakeMs] = pairs([
          () => makePlan(desired, actual, catalogOnly, DEFAULT_PLAN_OPTIONS),
          (at) => rpoEffects(actual.objects, after, withEffects.objectActions, at),
          () => protectionLost(actual.objects, after, touched),
        ], repeats);
        // makePlan without a clock still counts the brake's uncovered databases: that part is RPO's too.
        const withoutRpoMs = Math.max(0, planMs - brakeMs);
        const rpoMs = effectsMs + brakeMs + breachesMs;
        // As a `plan` process pays it: cold, one fresh process per repeat (and per build, in alternation).
        const builds = [['this build', join(root, 'dist')], ...(process.env.BENCH_RPO_AB ? [['other build', process.env.BENCH_RPO_AB]] : [])];
        const runs = builds.map(() => []);
        for (let i = 0; i < repeats; i++) {
          const order = i % 2 === 0 ? builds.map((_, k) => k) : builds.map((_, k) => k).reverse();
          for (const k of order) {
            const out = execFileSync(process.execPath, [join(root, 'bench/rpo-plan-process.js'), builds[k][1], plainDir, label === 'no-op' ? 'no-op' : 'changed', String(2030 + 2 * repetition++)], { encoding: 'utf8' });
            runs[k].push(JSON.parse(out));
          }
        }
        const processes = builds.map(([name, dist], k) => {
          const m = (key) => median(runs[k].map((r) => r[key]));
          const rpoMs = m('breachesMs') + m('brakeMs') + m('effectsMs');
          const baseMs = m('validateMs') + m('planMs') - m('brakeWarmMs');
          const shares = runs[k].map((r) => (r.breachesMs + r.brakeMs + r.effectsMs) / (r.validateMs + r.planMs - r.brakeWarmMs));
          return { name, dist, breachesMs: m('breachesMs'), brakeMs: m('brakeMs'), effectsMs: m('effectsMs'), validateMs: m('validateMs'), planMs: m('planMs') - m('brakeWarmMs'), rpoMs, baseMs, share: median(shares), lines: runs[k][0].effects, breaches: runs[k][0].breaches };
        });
        plans[label] = {
          actions: withEffects.objectActions.length, effects: withEffects.rpoEffects?.length ?? 0,
          planWithoutRpoMs: withoutRpoMs, effectsMs, brakeMs, rpoMs,
          share: rpoMs / (validateMs - breachesMs + withoutRpoMs),
          processes,
        };
      }

      const nodes = objects.filter((o) => o.kind === 'Node').map((o) => ({ name: o.name, spec: o.spec }));
      const backups = objects.filter((o) => o.kind === 'Backup').map((o) => ({ name: o.name, spec: o.spec }));
      const nodeDatabases = {};
      for (const b of backups) (nodeDatabases[b.spec.node] ??= { databases: ['postgres', 'scratch'] }).databases.push(...(Array.isArray(b.spec.databases) ? b.spec.databases : []));
      const input = { definitions: backups, nodes, runs: {}, bytesKept: {}, oneOffs: [], now: Date.UTC(2026, 11, 5) };
      const [statusMs, statusCoverageMs] = pairs([() => statusReport({ ...input, nodeDatabases: {} }), () => statusReport({ ...input, nodeDatabases })], repeats);
      rows.push({ definitions, breaches, validateMs, breachesMs, plans, statusMs, statusCoverageMs });
    }

    const table = [];
    for (const [i, r] of rows.entries()) {
      const at = `${r.definitions}:`;
      table.push([`${at} validate (CPU ms)`, r.validateMs.toFixed(1)]);
      table.push([`${at} of which rpoBreaches (CPU ms; ${r.breaches} breaches)`, r.breachesMs.toFixed(1)]);
      for (const [label, p] of Object.entries(r.plans)) {
        table.push([`${at} plan ${label}: makePlan without RPO (CPU ms)`, p.planWithoutRpoMs.toFixed(1)]);
        table.push([`${at} plan ${label}: RPO effects (CPU ms; ${p.effects} lines)`, p.effectsMs.toFixed(1)]);
        table.push([`${at} plan ${label}: brake's uncovered count (CPU ms)`, p.brakeMs.toFixed(1)]);
        table.push([`${at} plan ${label}: rpoBreaches + effects + brake (CPU ms)`, p.rpoMs.toFixed(1)]);
        table.push([`${at} plan ${label}: that / (validate + makePlan) without them`, `${(p.share * 100).toFixed(1)} %`]);
        for (const q of p.processes) {
          const who = p.processes.length > 1 ? ` (${q.name}: ${q.dist})` : '';
          table.push([`${at} plan ${label}, as a plan process${who}: rpoBreaches + brake + effects, cold (CPU ms; ${q.breaches} breaches, ${q.lines} lines)`, `${q.breachesMs.toFixed(1)} + ${q.brakeMs.toFixed(1)} + ${q.effectsMs.toFixed(1)} = ${q.rpoMs.toFixed(1)}`]);
          table.push([`${at} plan ${label}, as a plan process${who}: validate without rpo + makePlan without RPO (CPU ms)`, `${q.validateMs.toFixed(1)} + ${q.planMs.toFixed(1)} = ${q.baseMs.toFixed(1)}`]);
          table.push([`${at} plan ${label}, as a plan process${who}: RPO share (median of ${repeats} processes)`, `${(q.share * 100).toFixed(1)} %`, r.definitions >= 10_000 ? '<= 10 %' : undefined]);
        }
      }
      table.push([`${at} status without / with the nodes' coverage (CPU ms)`, `${r.statusMs.toFixed(1)} / ${r.statusCoverageMs.toFixed(1)}`]);
      if (i > 0) {
        const prev = rows[i - 1];
        // A cost lost in the noise (zero or negative at one size) has no exponent.
        const exp = (a, b) => (a > 0 && b > 0 ? (Math.log(a / b) / Math.log(r.definitions / prev.definitions)).toFixed(2) : 'n/a');
        const key = '10 % of schedules changed';
        table.push([`growth ${prev.definitions} -> ${r.definitions}: rpoBreaches / effects / brake / status coverage`,
          `${exp(r.breachesMs, prev.breachesMs)} / ${exp(r.plans[key].effectsMs, prev.plans[key].effectsMs)} / ${exp(r.plans[key].brakeMs, prev.plans[key].brakeMs)} / ${exp(r.statusCoverageMs - r.statusMs, prev.statusCoverageMs - prev.statusMs)}`]);
      }
    }
    printTable('RPO and coverage: cost next to validate, plan and status (in process, CPU ms, medians of interleaved runs)', table);
    const largest = Math.max(...sizes);
    const whole = process.env.BENCH_RPO_WHOLE === '0' ? null : wholePlanProcesses(join(work, `fleet-${largest}`), join(work, 'whole'), Math.max(5, repeats));
    if (whole) {
      const wholeTable = [];
      for (const w of whole) {
        wholeTable.push([`${largest}: ${w.label}: with / without RPO, CPU s (median of ${w.pairs} pairs)`, `${w.withCpu.toFixed(3)} / ${w.withoutCpu.toFixed(3)}`]);
        wholeTable.push([`${largest}: ${w.label}: with / without RPO, wall s`, `${w.withWall.toFixed(3)} / ${w.withoutWall.toFixed(3)}`]);
        wholeTable.push([`${largest}: ${w.label}: RPO share of the process, CPU (median of the pairs)`, `${(w.cpuShare * 100).toFixed(1)} %`, '<= 10 %']);
        wholeTable.push([`${largest}: ${w.label}: RPO share of the process, wall (median of the pairs)`, `${(w.wallShare * 100).toFixed(1)} %`, '<= 10 %']);
      }
      printTable(`RPO share of whole plan processes (issue 14, as a user reads it): ${largest} definitions applied to a local catalog, with vs without the RPO measures, alternated; 1-minute load average ${loadavg()[0].toFixed(1)}`, wholeTable);
    }
    return { rows, whole };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * Whole `plan` processes over `fleetDir` (the fleet with `rpo: 26h` on its server) applied to a local catalog in
 * `work`: per case, `pairs` alternated pairs of the same process with and without the RPO measures.
 */
function wholePlanProcesses(fleetDir, work, pairs) {
  const config = join(work, 'config');
  const stateDir = join(work, 'state');
  cpSync(fleetDir, config, { recursive: true });
  // The local catalog's PostgreSQL runs as the job user, who must enter the directories above its state.
  chmodSync(dirname(work), 0o755);
  chmodSync(work, 0o755);
  const common = ['-c', config, '--state-dir', stateDir, '--server', 'backup01'];
  const without = { PGBACKOPS_BENCH_WITHOUT_RPO: '1' };
  // Node's start is measured as a user's shell starts it, without this VM's CA bundle (bench/README.md).
  const env = { NODE_EXTRA_CA_CERTS: '' };
  const results = [];
  try {
    runCli(['catalog', 'migrate', ...common]);
    runCli(['apply', '--yes', '--json', ...common]);
    const measure = (label, args) => {
      // The load cache holds the validation made with the measures (a run without them only reads it).
      runCli(['plan', '--detailed-exitcode', ...args, ...common], { allowExit: [0, 2], env });
      const runs = { with: [], without: [] };
      for (let i = 0; i < pairs; i++) {
        const order = i % 2 === 0 ? ['with', 'without'] : ['without', 'with'];
        for (const side of order) runs[side].push(runCli(['plan', '--detailed-exitcode', ...args, ...common], { allowExit: [0, 2], env: side === 'with' ? env : { ...env, ...without } }));
      }
      const share = (key) => median(runs.with.map((r, i) => r[key] / runs.without[i][key] - 1));
      results.push({
        label, pairs,
        withCpu: median(runs.with.map((r) => r.cpuSeconds)), withoutCpu: median(runs.without.map((r) => r.cpuSeconds)),
        withWall: median(runs.with.map((r) => r.seconds)), withoutWall: median(runs.without.map((r) => r.seconds)),
        cpuShare: share('cpuSeconds'), wallShare: share('seconds'),
      });
    };
    measure('no-op plan', []);
    measure('no-op plan --no-cache', ['--no-cache']);
    editEveryTenthSchedule(config, '0 4 * * 1-5');
    measure('plan, 10 % of schedules changed', []);
    measure('plan --no-cache, 10 % of schedules changed', ['--no-cache']);
  } finally {
    try { runCli(['catalog', 'stop', '--state-dir', stateDir]); } catch { /* already stopped */ }
  }
  return results;
}

/** Every 10th Backup document of the directory (files in name order) gets `schedule` instead of its own. */
function editEveryTenthSchedule(dir, schedule) {
  let n = 0;
  const walk = (d) => {
    for (const entry of readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) { walk(path); continue; }
      if (!entry.name.endsWith('.yaml')) continue;
      const docs = readFileSync(path, 'utf8').split(/^---$/m);
      let changed = false;
      const out = docs.map((doc) => {
        if (!/^kind: Backup$/m.test(doc) || n++ % 10 !== 0) return doc;
        changed = true;
        return doc.replace(/^(\s*)schedule: .*$/m, `$1schedule: "${schedule}"`);
      });
      if (changed) writeFileSync(path, out.join('---'));
    }
  };
  walk(dir);
}
