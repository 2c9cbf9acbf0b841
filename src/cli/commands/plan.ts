// pgbackops plan: what apply would change, as a Terraform-like diff or JSON. Changes nothing.
// --detailed-exitcode: 0 no changes, 2 changes (or blocked actions awaiting a decision), 1 error.
import type { Command } from 'commander';
import { planHasPendingWork } from '../../core/plan/types.js';
import { PLAN_JSON_KEPT, planToJson } from '../../core/render/plan-json.js';
import { GROUPED_PLAN_THRESHOLD } from '../../core/render/action-groups.js';
import { renderPlanText } from '../../core/render/plan-text.js';
import { withExistingCatalogBeside } from '../../runtime/catalog-session.js';
import { planAgainstState, readPlanningSnapshotOf } from '../../engine/plan-state.js';
import { savePlan } from '../../engine/saved-plan.js';
import { contextOf, loadValidConfig } from '../context.js';
import { addConfigSourceFlags, configDirOf } from '../config-source-flags.js';
import { addPlanFlags, addStrictFlag, planOptionsOf } from '../plan-flags.js';
import { printLargeJson, printText, stdoutStyle } from '../output.js';
import { VERSION } from '../../runtime/version.js';
import { measureRpo } from '../../core/rpo/bench-switch.js';

export function registerPlan(program: Command): void {
  addConfigSourceFlags(addStrictFlag(addPlanFlags(program.command('plan'))))
    .description('show what apply would change in the catalog and this server\'s schedule (changes nothing)')
    .option('--json', 'print the plan as JSON (with format_version)')
    .option('--out <file>', 'save the plan so that `apply FILE` applies exactly it')
    .option('--detailed-exitcode', 'exit 0 when there are no changes, 2 when there are, 1 on error')
    .option('--full', `list every action (a plan of more than ${GROUPED_PLAN_THRESHOLD} actions is shown in groups with counts)`)
    .option('--no-cache', 'read and validate every configuration file again, around the load cache in the state directory (plan-cache/)')
    .option('--check-nodes', 'connect to the nodes and list their databases that no scheduled definition backs up after this plan (the mass-delete brake then counts their databases)')
    .action(async (opts: { out?: string; detailedExitcode?: boolean; full?: boolean; checkNodes?: boolean; cache: boolean }, command: Command) => {
      const ctx = contextOf(command);
      // bench/rpo.js times whole plan processes with and without the RPO measures (core/rpo/bench-switch.ts).
      if (process.env.PGBACKOPS_BENCH_WITHOUT_RPO === '1') measureRpo(false);
      const options = planOptionsOf(command.opts());
      const source = await configDirOf(command, ctx.settings.stateDir);
      ctx.settings.configDir = source.dir;
      const loading = loadValidConfig(ctx, { strict: Boolean(command.opts().strict), cached: opts.cache })
        .then((loaded) => (source.revision ? { ...loaded, revision: source.revision } : loaded));
      // The catalog is opened and its name -> hash read sent while the configuration loads: its server
      // answers on another core meanwhile (a no-op plan of 10,000 definitions waited ~0.1-0.3 s for it).
      const { plan, desired } = await withExistingCatalogBeside(ctx.settings, ctx.logger, loading, async (catalog, later) => {
        const snapshot = catalog ? readPlanningSnapshotOf(catalog, later) : undefined;
        const desired = await later;
        return { desired, ...(await planAgainstState(ctx.settings, catalog, desired, options, ctx.logger, Boolean(opts.checkNodes), undefined, snapshot)) };
      });
      if (ctx.json) await printLargeJson(planToJson(plan, VERSION), PLAN_JSON_KEPT);
      else printText(renderPlanText(plan, stdoutStyle(), { full: opts.full, objects: desired.objects }));
      if (opts.out) {
        await savePlan(opts.out, plan, VERSION);
        if (!ctx.json) printText(`Saved the plan to ${opts.out}; apply it with: pgbackops apply ${opts.out}`);
      }
      if (plan.refusal) process.exitCode = 1;
      else if (opts.detailedExitcode) process.exitCode = planHasPendingWork(plan) ? 2 : 0;
    });
}
