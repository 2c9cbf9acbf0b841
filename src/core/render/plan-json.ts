// The machine-readable plan: the same data as the text plan, with a format version. Also the saved-plan file.
import { PLAN_FORMAT_VERSION, planHasChanges, type Plan } from '../plan/types.js';
import type { KeptKeys } from './json-contract.js';

/**
 * The specs an object action shows before and after are the configuration as written: under --json they keep
 * the YAML's field names (`backupServer`), so that a script compares them with the files.
 */
export const PLAN_JSON_KEPT: KeptKeys = { verbatim: ['plan.object_actions.*.before', 'plan.object_actions.*.after'] };

export function planToJson(plan: Plan, pgbackopsVersion: string) {
  return {
    format_version: PLAN_FORMAT_VERSION,
    pgbackops_version: pgbackopsVersion,
    changes: planHasChanges(plan),
    plan,
  };
}
