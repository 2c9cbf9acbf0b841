// Retention pass over 1,000,000 catalog rows (DESIGN.md section 7: <= 5 s): 1,000 definitions with 1,000
// successful daily runs each on one backup server, in a steady state: each definition keeps 990 daily
// backups, so a pass expires about 10 per definition (as a daily pass does). Measures the whole process of
// `pgbackops prune --dry-run` (read + decide + list) and of the real pass (+ tombstone, delete, remove rows).
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { printTable, root, runCli } from './lib.js';

export async function benchRetention({ definitions = 1000, runsPerDefinition = 1000 } = {}) {
  const work = mkdtempSync(join(tmpdir(), 'pgbackops-bench-retention-'));
  chmodSync(work, 0o755);
  const config = join(work, 'config');
  const stateDir = join(work, 'state');
  execFileSync(process.execPath, [join(root, 'examples/fleet/generate.mjs'), '--out', config, '--servers', '1', '--nodes', String(definitions / 10), '--definitions', String(definitions)]);
  // One steady-state policy for every definition (the generated fleet's policies would expire most rows).
  writeFileSync(join(config, 'retention.yaml'), ['standard', 'short'].map((name) => `apiVersion: pgbackops/v1
kind: Retention
metadata: { name: ${name} }
spec: { keepDaily: ${runsPerDefinition - 10} }
`).join('---\n'));
  const common = ['--state-dir', stateDir, '--server', 'backup01'];
  try {
    runCli(['apply', '--yes', '-c', config, ...common]);
    const { ensureLocalCatalog } = await import('../dist/adapters/catalog/local-catalog.js');
    const pg = (await import('pg')).default;
    const client = new pg.Client(await ensureLocalCatalog(stateDir));
    await client.connect();
    const started = Date.now();
    await client.query(`
      insert into pgbackops.backup_runs (definition, node, backup_server, database, backup_type, format, status, started_at, finished_at, retention, timezone)
      select d.name, d.spec->>'node', 'backup01', 'app', 'full', 'custom', 'succeeded',
             now() - make_interval(days => g) , now() - make_interval(days => g) + interval '5 minutes',
             coalesce(r.spec, d.spec->'retention'), 'UTC'
        from pgbackops.definitions d
        left join pgbackops.retentions r on r.name = d.spec->>'retention'
        cross join generate_series(0, $1 - 1) g`, [runsPerDefinition]);
    await client.query('vacuum analyze pgbackops.backup_runs');
    const rows = Number((await client.query('select count(*) from pgbackops.backup_runs')).rows[0].count);
    process.stdout.write(`seeded ${rows} runs in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    await client.end();

    const dry = runCli(['prune', '--dry-run', ...common]);
    const real = runCli(['prune', ...common]);
    const figures = { rows, dryRunSeconds: dry.seconds, dryRunPeakRssMiB: dry.rssMiB, realPassSeconds: real.seconds, realPassPeakRssMiB: real.rssMiB };
    printTable(`Retention over ${rows.toLocaleString('en')} catalog rows (${definitions} definitions x ${runsPerDefinition} runs), whole process`, [
      ['prune --dry-run: read + decide (s)', dry.seconds.toFixed(2), '<= 5 s'],
      ['prune --dry-run peak RSS (MiB)', dry.rssMiB?.toFixed(0) ?? 'n/a'],
      ['prune: decide + tombstone + delete expired rows (s)', real.seconds.toFixed(2)],
      ['prune peak RSS (MiB)', real.rssMiB?.toFixed(0) ?? 'n/a'],
    ]);
    return figures;
  } finally {
    try { runCli(['catalog', 'stop', '--state-dir', stateDir]); } catch { /* not started */ }
    rmSync(work, { recursive: true, force: true });
  }
}
