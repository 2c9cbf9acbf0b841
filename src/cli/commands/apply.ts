// pgbackops apply [PLANFILE]: converge the catalog and this server's schedule with the configuration.
// An apply that holds actions back (deletes that need --prune) says so instead of "Apply complete".
// --detailed-exitcode: 0 converged, 2 something is left (actions held back, or declined at the prompt), 1 error.
import type { Command } from 'commander';
import { describeHeldBack, heldBackSummary } from '../../core/plan/held-back.js';
import { planHasChanges, type Plan } from '../../core/plan/types.js';
import { PLAN_JSON_KEPT, planToJson } from '../../core/render/plan-json.js';
import { GROUPED_PLAN_THRESHOLD } from '../../core/render/action-groups.js';
import { renderPlanText } from '../../core/render/plan-text.js';
import { applyConfiguration, type ApplyOutcome } from '../../engine/apply.js';
import { withCatalog } from '../../runtime/catalog-session.js';
import { loadSavedPlan } from '../../engine/saved-plan.js';
import { confirm } from '../confirm.js';
import { contextOf, loadValidConfig } from '../context.js';
import { addConfigSourceFlags, configDirOf } from '../config-source-flags.js';
import { addPlanFlags, addStrictFlag, planOptionsOf } from '../plan-flags.js';
import { CliError, printLargeJson, printText, stdoutStyle } from '../output.js';
import type { Style } from '../../core/render/style.js';
import { VERSION } from '../../runtime/version.js';

export function registerApply(program: Command): void {
  addConfigSourceFlags(addStrictFlag(addPlanFlags(program.command('apply'))))
    .description('apply the configuration (or a saved plan) to the catalog and this server\'s schedule')
    .argument('[planfile]', 'a plan saved with `plan --out`; refused if anything moved since')
    .option('-y, --yes', 'do not ask for confirmation (required when not on a TTY)')
    .option('--json', 'print the applied plan and the outcome as JSON')
    .option('--full', `list every action (a plan of more than ${GROUPED_PLAN_THRESHOLD} actions is shown in groups with counts)`)
    .option('--detailed-exitcode', 'exit 0 when everything was applied, 2 when actions were held back (or the apply was declined), 1 on error')
    .action(async (planFile: string | undefined, opts: { yes?: boolean; detailedExitcode?: boolean; full?: boolean }, command: Command) => {
      const ctx = contextOf(command);
      const source = await configDirOf(command, ctx.settings.stateDir);
      ctx.settings.configDir = source.dir;
      const loaded = await loadValidConfig(ctx, { strict: Boolean(command.opts().strict) });
      const desired = source.revision ? { ...loaded, revision: source.revision } : loaded;
      const savedPlan = planFile ? await loadSavedPlan(planFile) : undefined;
      const options = savedPlan ? savedPlan.options : planOptionsOf(command.opts());
      const interactive = !opts.yes && !savedPlan;
      if (interactive && !process.stdin.isTTY) {
        throw new CliError('apply asks for confirmation; not on a TTY, so pass --yes (or apply a saved plan file)');
      }
      const style = stdoutStyle();
      const textOptions = { full: opts.full, objects: desired.objects };
      const outcome = await withCatalog(ctx.settings, ctx.logger, (catalog) => applyConfiguration(ctx.settings, ctx.logger, catalog, {
        desired,
        options,
        ...(savedPlan ? { savedPlan } : {}),
        ...(interactive ? { confirm: (plan: Plan) => confirm(renderPlanText(plan, style, textOptions), 'Do you want to apply these changes?') } : {}),
      }));
      // Converged: nothing the plan showed is left undone (a declined plan leaves all of it).
      const converged = outcome.heldBack.length === 0 && (outcome.applied || !planHasChanges(outcome.plan));
      if (opts.detailedExitcode) process.exitCode = converged ? 0 : 2;
      // A stanza that cannot be created or fails `pgbackrest check` cannot take backups: never a success.
      const stanzasFailing = (outcome.pgbackrest?.stanzas ?? []).filter((s) => !s.create.ok || !s.check.ok);
      if (stanzasFailing.length > 0 || outcome.pgbackrest?.change.kind === 'foreign') process.exitCode = 1;
      if (ctx.json) {
        await printLargeJson({
          ...planToJson(outcome.plan, VERSION),
          applied: outcome.applied, converged, held_back: outcome.heldBack,
          catalog_version: outcome.catalogVersion, catalog_statements: outcome.statements,
          pgbackrest: outcome.pgbackrest ?? null,
        }, PLAN_JSON_KEPT);
        return;
      }
      if (!interactive) printText(renderPlanText(outcome.plan, style, textOptions));
      printText(outcomeText(outcome, style));
      if (outcome.pgbackrest) printText(pgbackrestText(outcome.pgbackrest, style));
    });
}

function outcomeText(outcome: ApplyOutcome, style: Style): string {
  const where = `catalog version ${outcome.catalogVersion}, revision ${outcome.plan.revision.slice(0, 12)}`;
  if (outcome.heldBack.length === 0) return outcome.applied ? style.bold(`Apply complete: ${where}.`) : 'Nothing applied.';
  const summary = heldBackSummary(outcome.heldBack);
  const head = outcome.applied ? `Applied with ${summary}: ${where}.` : `Nothing applied; ${summary}.`;
  return [style.warn(style.bold(head)), ...outcome.heldBack.map((a) => style.warn(`  held back: ${describeHeldBack(a)}`))].join('\n');
}

/** Each stanza's stanza-create and check, failures first in words an operator can act on. */
function pgbackrestText(result: NonNullable<ApplyOutcome['pgbackrest']>, style: Style): string {
  const lines = [`pgBackRest configuration ${result.file}: ${result.change.kind === 'foreign' ? style.remove('not written (a file pgbackops did not write is there)') : result.written ? 'written' : 'unchanged'}.`];
  for (const s of result.stanzas) {
    if (s.create.ok && s.check.ok) lines.push(style.add(`  stanza ${s.stanza}: created, check passed`));
    else lines.push(style.remove(`  stanza ${s.stanza}: ${!s.create.ok ? `stanza-create FAILED: ${s.create.detail}` : `check FAILED: ${s.check.detail}`}`));
  }
  return lines.join('\n');
}
