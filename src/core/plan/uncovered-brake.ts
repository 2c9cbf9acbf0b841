// The mass-delete brake also counts databases a revision leaves without a backup (docs/monitoring.md,
// "Coverage"): disabling most definitions, stopping a node or narrowing their lists uncovers as much
// as deleting them does, and nothing is deleted that the delete count would see.
import type { ProtectionLoss } from '../rpo/uncovered-databases.js';
import type { RpoUnit } from '../rpo/coverage.js';
import { brakeTrips } from './plan-catalog.js';
import type { Plan, PlanOptions } from './types.js';

/** How many lost units the refusal names before "and N more". */
const NAMED = 5;

export function uncoveredRefusal(loss: ProtectionLoss, options: PlanOptions): Plan['refusal'] {
  const losing = loss.lost.length;
  const trips = brakeTrips(losing, loss.protectedBefore, options);
  if (trips === null) return undefined;
  const what = trips === 'all'
    ? `every database that has a backup (${losing} of ${loss.protectedBefore})`
    : `${losing} of ${loss.protectedBefore} databases that have a backup (${Math.round((losing / loss.protectedBefore) * 100)} %, above the ${Math.round(options.massDeleteShare * 100)} % brake)`;
  const named = loss.lost.slice(0, NAMED).map(describeUnit).join(', ');
  const more = losing > NAMED ? ` and ${losing - NAMED} more` : '';
  return {
    code: 'E_MASS_DELETE',
    message: `this revision leaves ${what} without a scheduled backup: ${named}${more}; if that is intended, apply with --allow-mass-delete`,
  };
}

function describeUnit(u: RpoUnit): string {
  return u.database === null ? `every database of ${u.definition} (node ${u.node})` : `${u.database} (node ${u.node})`;
}
