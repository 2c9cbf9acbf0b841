// Retention pass over 1,000,000 catalog rows (target <= 5 s, bench/README.md): 1,000 definitions with 1,000
// successful daily runs each on one backup server, in a steady state: each definition keeps 990 daily
// backups, so a pass expires 10 per definition (as a daily pass does). Measures the whole process of
// `pgbackops prune --dry-run` (read + decide + list) and of the real pass (+ tombstone, delete rows), each
// `repeat` times; the rows a real pass expires are put back before the next one. Medians are reported: the
// machine may be shared.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median, printTable, root, runCli } from './lib.js';
import { openLocalCatalog, seedNightlyRuns } from './local-catalog.js';

const EXPIRED_PER_DEFINITION = 10;

export async function benchRetention({ definitions = 1000, runsPerDefinition = 1000, repeat = 3 } = {}) {
  const work = mkdtempSync(join(tmpdir(), 'pgbackops-bench-retention-'));
  chmodSync(work, 0o755);
  const config = join(work, 'config');
  const stateDir = join(work, 'state');
  execFileSync(process.execPath, [join(root, 'examples/fleet/generate.mjs'), '--out', config, '--servers', '1', '--nodes', String(definitions / 10), '--definitions', String(definitions)]);
  // One steady-state policy for every definition (the generated fleet's policies would expire most rows), also
  // for the definitions the generator gives a retention of their own, inline or as a block.
  const keep = runsPerDefinition - EXPIRED_PER_DEFINITION;
  for (const file of readdirSync(config, { recursive: true }).filter((f) => f.endsWith('.yaml')).map((f) => join(config, f))) {
    writeFileSync(file, readFileSync(file, 'utf8').replace(/^( *)retention: \{[^}\n]*\}$/gm, '$1retention: standard').replace(/^( *)retention:\n(?:\1 {2}.*\n)+/gm, '$1retention: standard\n'));
  }
  writeFileSync(join(config, 'retention.yaml'), ['standard', 'short'].map((name) => `apiVersion: pgbackops/v1
kind: Retention
metadata: { name: ${name} }
spec: { keepDaily: ${keep} }
`).join('---\n'));
  const common = ['--state-dir', stateDir, '--server', 'backup01'];
  const expiring = definitions * EXPIRED_PER_DEFINITION;
  try {
    runCli(['apply', '--yes', '-c', config, ...common]);
    const client = await openLocalCatalog(stateDir);
    const started = Date.now();
    await seedNightlyRuns(client, runsPerDefinition);
    // What a real pass expires, kept aside to be put back before the next one.
    await client.query(`create temporary table expired as
      select * from pgbackops.backup_runs where started_at < date_trunc('day', now()) - make_interval(days => $1 - 1)`, [keep]);
    const rows = Number((await client.query('select count(*) from pgbackops.backup_runs')).rows[0].count);
    await client.query('vacuum analyze pgbackops.backup_runs');
    process.stdout.write(`seeded ${rows} runs in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);

    const dry = [];
    for (let i = 0; i < repeat; i++) dry.push(pass(['prune', '--dry-run', ...common], `${rows - expiring} kept, ${expiring} would expire`));
    const real = [];
    for (let i = 0; i < repeat; i++) {
      await client.query('insert into pgbackops.backup_runs select * from expired on conflict (id) do nothing');
      await client.query('vacuum analyze pgbackops.backup_runs');
      real.push(pass(['prune', ...common], `${rows - expiring} kept, ${expiring} expired`));
    }
    await client.end();

    const figures = {
      rows,
      repeat,
      dryRunSeconds: median(dry.map((r) => r.seconds)),
      dryRunPeakRssMiB: median(dry.map((r) => r.rssMiB ?? NaN)),
      realPassSeconds: median(real.map((r) => r.seconds)),
      realPassPeakRssMiB: median(real.map((r) => r.rssMiB ?? NaN)),
      dryRunSamples: dry.map((r) => round(r.seconds)),
      realPassSamples: real.map((r) => round(r.seconds)),
    };
    printTable(`Retention over ${rows.toLocaleString('en')} catalog rows (${definitions} definitions x ${runsPerDefinition} runs), whole process, median of ${repeat}`, [
      ['prune --dry-run: read + decide + list expiring (s)', figures.dryRunSeconds.toFixed(2), '<= 5 s'],
      ['prune --dry-run peak RSS (MiB)', figures.dryRunPeakRssMiB.toFixed(0)],
      ['prune: + tombstone + delete expired rows (s)', figures.realPassSeconds.toFixed(2), '<= 5 s'],
      ['prune peak RSS (MiB)', figures.realPassPeakRssMiB.toFixed(0)],
    ]);
    process.stdout.write(`  samples (s): dry run ${figures.dryRunSamples.join(', ')}; real pass ${figures.realPassSamples.join(', ')}\n`);
    return figures;
  } finally {
    try { runCli(['catalog', 'stop', '--state-dir', stateDir]); } catch { /* not started */ }
    rmSync(work, { recursive: true, force: true });
  }
}

/** Runs one pass and checks its summary, so that a benchmark that stopped doing the work cannot look fast. */
function pass(args, summary) {
  const result = runCli(args);
  if (!result.stdout.includes(summary)) throw new Error(`pgbackops ${args.join(' ')}: expected "${summary}" in:\n${result.stdout.slice(-500)}`);
  return result;
}

function round(seconds) {
  return Math.round(seconds * 100) / 100;
}
