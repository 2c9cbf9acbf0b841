// Reconciler benchmark (targets in bench/README.md): a fleet of 10,000 definitions / 1,000 nodes / 10 servers.
// Measures whole-process validate, first plan, first apply, no-op plan, a one-definition change (plan +
// apply, and the catalog statements it issued), and peak RSS. Uses a local catalog in a temp state dir.
import { mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { median, printTable, root, runCli } from './lib.js';

export async function benchReconcile({ servers = 10, nodes = 1000, definitions = 10000, repeats = 3 } = {}) {
  const work = mkdtempSync(join(tmpdir(), 'pgbackops-bench-'));
  chmodSync(work, 0o755);
  const config = join(work, 'config');
  const stateDir = join(work, 'state');
  execFileSync(process.execPath, [join(root, 'examples/fleet/generate.mjs'), '--out', config, '--servers', String(servers), '--nodes', String(nodes), '--definitions', String(definitions)]);
  const common = ['-c', config, '--state-dir', stateDir, '--server', 'backup01'];
  try {
    // Start the local catalog once so its startup is not charged to the first measurement.
    runCli(['catalog', 'migrate', ...common]);
    const validate = runCli(['validate', ...common]);
    const firstPlan = runCli(['plan', '--detailed-exitcode', ...common], { allowExit: [2] });
    const firstApply = runCli(['apply', '--yes', '--json', ...common]);
    const noop = [];
    for (let i = 0; i < repeats; i++) noop.push(runCli(['plan', '--detailed-exitcode', ...common]));

    // One definition changes schedule.
    const file = join(config, 'nodes', 'pg0001.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('schedule: "H H(0-5) * * *"', 'schedule: "7 4 * * *"'));
    const changePlan = runCli(['plan', '--detailed-exitcode', ...common], { allowExit: [2] });
    const changeApply = runCli(['apply', '--yes', '--json', ...common]);
    const statements = JSON.parse(changeApply.stdout).catalog_statements;
    const after = runCli(['plan', '--detailed-exitcode', ...common]);

    const noopMedian = median(noop.map((r) => r.seconds));
    const peakRss = Math.max(...[validate, firstPlan, firstApply, ...noop, changePlan, changeApply].map((r) => r.rssMiB ?? 0));
    const figures = {
      fleet: { servers, nodes, definitions },
      validateSeconds: validate.seconds,
      firstPlanSeconds: firstPlan.seconds,
      firstApplySeconds: firstApply.seconds,
      noopPlanSecondsMedian: noopMedian,
      oneChangePlanPlusApplySeconds: changePlan.seconds + changeApply.seconds,
      oneChangeCatalogStatements: statements,
      noopVsFullPlanRatio: noopMedian / firstPlan.seconds,
      peakRssMiB: peakRss,
      convergedAfterChange: after.status === 0,
    };
    printTable(`Reconcile: ${definitions} definitions / ${nodes} nodes / ${servers} servers (whole process, local catalog)`, [
      ['validate (s)', figures.validateSeconds.toFixed(2)],
      ['first plan (s)', figures.firstPlanSeconds.toFixed(2)],
      ['first apply (s)', figures.firstApplySeconds.toFixed(2), '<= 10 s'],
      [`no-op plan, median of ${repeats} (s)`, noopMedian.toFixed(2), '<= 2 s'],
      ['one change: plan (s)', changePlan.seconds.toFixed(2)],
      ['one change: apply (s)', changeApply.seconds.toFixed(2)],
      ['one change: plan + apply, two processes (s)', figures.oneChangePlanPlusApplySeconds.toFixed(2), '<= 2 s'],
      ['one change: catalog statements', statements, 'O(1)'],
      ['no-op plan / first plan (ratio)', figures.noopVsFullPlanRatio.toFixed(2)],
      ['peak RSS of any command (MiB)', peakRss ? peakRss.toFixed(0) : 'n/a (no /usr/bin/time)'],
      ['plan empty after the change', String(figures.convergedAfterChange)],
    ]);
    return figures;
  } finally {
    try { runCli(['catalog', 'stop', '--state-dir', stateDir]); } catch { /* already stopped */ }
    rmSync(work, { recursive: true, force: true });
  }
}
