// A declarative Restore run the way an operator's would be: one Restore document added to the workspace's
// configuration (restore.yaml), applied (a converged plan after it), run once by `maintain --one-offs-only`,
// then the plan checked empty again.
// Returns the one-off's state and message (pgbackops.restores) and the maintain run's output.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { applyConverged, pgbackops, type CliResult } from './cli.js';
import { queryAt } from './pg-tools.js';
import { catalogConfig, catalogUrl, cli, configDir, stateDir } from './workspace.js';

export async function runDeclaredRestore(name: string, spec: string): Promise<{ state: string; message: string | null; maintain: CliResult }> {
  writeFileSync(join(configDir, 'restore.yaml'), `apiVersion: pgbackops/v1\nkind: Restore\nmetadata: { name: ${name} }\nspec:\n${spec}`);
  await applyConverged(cli);
  const maintain = await pgbackops(['maintain', '--one-offs-only', '--state-dir', stateDir, '--catalog', catalogUrl]);
  const [row] = await queryAt<{ state: string; message: string | null }>(catalogConfig, 'select state, message from pgbackops.restores where name = $1', [name]);
  // Ran once: nothing left to do, and the configuration converged.
  const plan = await cli('plan', '--detailed-exitcode');
  expect(plan.exitCode, plan.stdout + plan.stderr).toBe(0);
  return { state: row?.state ?? '(no row)', message: row?.message ?? null, maintain };
}
