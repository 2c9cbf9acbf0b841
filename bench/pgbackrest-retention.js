// The retention pass over pgBackRest backups (issue 13: 100,000 backups recorded in the catalog, "the same order
// of time as today's prune"): the pure part that pgBackRest adds to a pass, at 1,000 / 10,000 / 100,000 backups
// of one stanza, and its growth exponent between sizes. The chain is a week of a full, six daily diffs and 23
// hourly incrs after each (168 backups), repeated; three definitions keep them (full: keepWeekly 4, diff:
// keepDaily 7, incr: keepWithin 2d), so that most incrs and diffs expire while the newest chain is kept with
// everything it needs. Measured: each group's rules (selectRetention, what every prune pays), the dependencies
// from the recorded facts (priorDependencies) and the keep-dependencies pass (keepDependencies); medians of 3
// after an untimed round.
// The catalog read of those facts (RunStore.chainedRunFacts) is not in it: bench/retention.js times whole passes.
import { median, printTable } from './lib.js';

const HOUR = 3_600_000;
const SIZES = (process.env.BENCH_PGBR_RETENTION_SIZES ?? '1000,10000,100000').split(',').map(Number);

function uuid(i) {
  const hex = i.toString(16).padStart(32, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** n backups, oldest first, one an hour up to `now`: the runs of each definition and every run's facts. */
function chain(n, now) {
  const groups = { full: [], diff: [], incr: [] };
  const facts = [];
  let full = null;
  let base = null;
  let prior = null;
  for (let i = 0; i < n; i++) {
    const hourOfWeek = i % 168;
    const type = hourOfWeek === 0 ? 'full' : hourOfWeek % 24 === 0 ? 'diff' : 'incr';
    const label = `L${i}`;
    const id = uuid(i + 1);
    const startedAt = now - (n - i) * HOUR;
    const priorLabel = type === 'full' ? null : type === 'diff' ? full : prior;
    if (type === 'full') full = label;
    if (type !== 'incr') base = label;
    prior = type === 'incr' ? label : base;
    groups[type].push({ id, startedAt, status: 'succeeded' });
    facts.push({ id, facts: { stanza: 'pg', label, prior: priorLabel, type } });
  }
  return { groups, facts };
}

export async function benchPgbackrestRetention() {
  const { runColumnsOf } = await import('../dist/core/retention/run-columns.js');
  const { selectRetention } = await import('../dist/core/retention/select.js');
  const { priorDependencies } = await import('../dist/core/methods/pgbackrest/rules.js');
  const { keepDependencies } = await import('../dist/core/retention/keep-dependencies.js');
  const policies = { full: { keepWeekly: 4 }, diff: { keepDaily: 7 }, incr: { keepWithin: '2d' } };
  const now = Date.parse('2026-12-05T21:00:00Z');
  const rows = [];
  for (const n of SIZES) {
    const { groups, facts } = chain(n, now);
    const columns = Object.fromEntries(Object.entries(groups).map(([t, runs]) => [t, runColumnsOf([...runs].reverse())]));
    const rules = [];
    const deps = [];
    const keep = [];
    let outcome = null;
    // Round 0 warms the JIT up and is not counted.
    for (let round = 0; round < 4; round++) {
      let t = process.hrtime.bigint();
      const selections = Object.entries(columns).map(([t2, runs]) => ({
        definition: `pg-${t2}`, database: null, note: null,
        selection: selectRetention(runs, { ...policies[t2], keepLast: 1 }, 'UTC', now),
      }));
      if (round > 0) rules.push(Number(process.hrtime.bigint() - t) / 1e6);
      t = process.hrtime.bigint();
      const dependencies = priorDependencies(facts);
      if (round > 0) deps.push(Number(process.hrtime.bigint() - t) / 1e6);
      t = process.hrtime.bigint();
      const judged = keepDependencies(selections, dependencies);
      if (round > 0) keep.push(Number(process.hrtime.bigint() - t) / 1e6);
      outcome = {
        expiringByRules: selections.reduce((s, g) => s + g.selection.expiring, 0),
        expiring: judged.reduce((s, g) => s + g.selection.expiring, 0),
      };
    }
    rows.push({ n, rulesMs: median(rules), dependenciesMs: median(deps), keepMs: median(keep), ...outcome });
  }
  const exponent = (a, b, key) => (Math.log(b[key] / a[key]) / Math.log(b.n / a.n)).toFixed(2);
  const table = [['backups', 'rules ms | dependencies ms | keep ms | expiring (by rules -> kept as needed)']];
  for (const r of rows) {
    table.push([r.n.toLocaleString('en'), `${r.rulesMs.toFixed(1)} | ${r.dependenciesMs.toFixed(1)} | ${r.keepMs.toFixed(1)} | ${r.expiringByRules} -> ${r.expiring}`]);
  }
  for (let i = 1; i < rows.length; i++) {
    const [a, b] = [rows[i - 1], rows[i]];
    table.push([`exponent ${a.n.toLocaleString('en')} -> ${b.n.toLocaleString('en')}`, `${exponent(a, b, 'rulesMs')} | ${exponent(a, b, 'dependenciesMs')} | ${exponent(a, b, 'keepMs')}`]);
  }
  printTable('retention pass over pgBackRest backups (pure code), medians of 3', table);
  return rows;
}
