// Flags shared by plan and apply: consent to deletions.
import { Command, Option } from 'commander';
import { DEFAULT_PLAN_OPTIONS, type PlanOptions } from '../core/plan/types.js';
import { CliError } from './output.js';

export function addPlanFlags(command: Command): Command {
  return command
    .option('--prune', 'allow deleting definitions that still have backups in the catalog (their backups are kept until retention expires them)')
    .option('--allow-slot-drop', "allow dropping the replication slot of a WAL archive that the revision removes, disables or renames (the node stops keeping WAL for it)")
    .option('--allow-mass-delete', 'allow a revision that deletes all definitions, or more than --mass-delete-share of them, or leaves that many of the databases with a backup without one')
    .addOption(new Option('--mass-delete-share <percent>', 'share of definitions a revision may delete (and of databases it may leave without a backup) without --allow-mass-delete').default('25'));
}

/** plan and apply: --strict (the daemon applies what validates; its warnings are in its log and /status). */
export const STRICT_FLAG = ['--strict', 'treat configuration warnings (such as W_RPO_BREACH) as errors: refuse the configuration while it has any'] as const;

export function addStrictFlag(command: Command): Command {
  return command.option(...STRICT_FLAG);
}

export function planOptionsOf(opts: { prune?: boolean; allowMassDelete?: boolean; allowSlotDrop?: boolean; massDeleteShare?: string }): PlanOptions {
  const share = Number(opts.massDeleteShare ?? DEFAULT_PLAN_OPTIONS.massDeleteShare * 100);
  if (!Number.isFinite(share) || share < 0 || share > 100) throw new CliError(`--mass-delete-share must be a percentage from 0 to 100, got ${opts.massDeleteShare}`);
  const options: PlanOptions = { prune: Boolean(opts.prune), allowMassDelete: Boolean(opts.allowMassDelete), massDeleteShare: share / 100 };
  // Written only when given, so a plan without it is the same JSON as before WAL archives.
  if (opts.allowSlotDrop) options.allowSlotDrop = true;
  return options;
}
