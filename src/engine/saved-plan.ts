// Saved plans (`plan --out FILE`, `apply FILE`): the plan as JSON, applied only if nothing moved since.
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../adapters/fs/atomic-write.js';
import { PLAN_FORMAT_VERSION, type Plan } from '../core/plan/types.js';
import { planToJson } from '../core/render/plan-json.js';
import { PgbackopsError } from '../core/errors.js';

export class StalePlanError extends PgbackopsError {
  readonly code = 'E_PLAN_STALE';
}

export async function savePlan(path: string, plan: Plan, version: string): Promise<void> {
  await writeFileAtomic(path, JSON.stringify(planToJson(plan, version), null, 2) + '\n', 0o600);
}

export async function loadSavedPlan(path: string): Promise<Plan> {
  const data = JSON.parse(await readFile(path, 'utf8')) as { format_version?: string; plan?: Plan };
  if (data.format_version !== PLAN_FORMAT_VERSION || !data.plan) {
    throw new Error(`${path}: not a pgbackops plan file of format ${PLAN_FORMAT_VERSION}`);
  }
  return data.plan;
}

/**
 * A saved plan is current when the revision, the catalog version, the schedule content and the server's
 * pgBackRest configuration file (docs/pgbackrest.md) are unchanged.
 */
export function checkSavedPlanCurrent(saved: Plan, fresh: Plan): void {
  const moved: string[] = [];
  if (saved.revision !== fresh.revision) moved.push(`the configuration revision (${saved.revision.slice(0, 12)} -> ${fresh.revision.slice(0, 12)})`);
  if (saved.catalogVersion !== fresh.catalogVersion) moved.push(`the catalog version (${saved.catalogVersion} -> ${fresh.catalogVersion})`);
  if (saved.server !== fresh.server) moved.push(`the backup server (${saved.server} -> ${fresh.server})`);
  if ((saved.schedule?.contentHash ?? null) !== (fresh.schedule?.contentHash ?? null)) moved.push('the schedule content');
  // A plan saved before the file's hash was recorded has none: it is stale wherever the file exists.
  if ((saved.pgbackrestConfig?.contentHash ?? null) !== (fresh.pgbackrestConfig?.contentHash ?? null)) moved.push(`the pgBackRest configuration file ${fresh.pgbackrestConfig?.file ?? saved.pgbackrestConfig?.file ?? ''}`.trimEnd());
  if (moved.length > 0) {
    throw new StalePlanError(`the saved plan is stale: ${moved.join(', ')} changed since it was made; run plan again`);
  }
}
