// The machine-readable plan: the same data as the text plan, with a format version. Also the saved-plan file.
import { PLAN_FORMAT_VERSION, planHasChanges, type Plan } from '../plan/types.js';

export function planToJson(plan: Plan, pgbackopsVersion: string) {
  return {
    format_version: PLAN_FORMAT_VERSION,
    pgbackops_version: pgbackopsVersion,
    changes: planHasChanges(plan),
    plan,
  };
}
