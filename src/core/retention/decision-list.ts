// The decisions of a retention pass over a backup server: one selection per definition and database, kept
// compact. Decision objects, with their ids and reasons as text, are made one at a time while a caller
// iterates, and only for the decisions it asks for.
import type { RunStatus } from '../runs/run-record.js';
import { explainer } from './explain.js';
import { RUN_STATUSES, uuidAt } from './run-columns.js';
import { isKept, type RetentionSelection } from './verdicts.js';

export interface GroupSelection {
  definition: string;
  /** null for cluster-wide runs. */
  database: string | null;
  selection: RetentionSelection;
  /** Added to every reason in the group: why this policy applies (a removed definition's last retention). */
  note: string | null;
}

export interface RetentionDecision {
  id: string;
  definition: string;
  database: string | null;
  /** Epoch milliseconds (rendered by the caller: formatting a million dates is not free). */
  startedAt: number;
  status: RunStatus;
  keep: boolean;
  /** Why: the rules that keep it, or why it expires. */
  reasons: string[];
}

/** Every decision (or only the expiring ones), group by group, newest first within a group. */
export function* decisionsOf(groups: readonly GroupSelection[], which: 'all' | 'expiring' = 'all'): Generator<RetentionDecision> {
  for (const { definition, database, selection, note } of groups) {
    if (which === 'expiring' && selection.expiring === 0) continue;
    const { runs, order, verdicts } = selection;
    const explain = explainer(selection);
    for (let k = 0; k < order.length; k++) {
      const i = order[k]!;
      const keep = isKept(verdicts[i]!);
      if (keep && which === 'expiring') continue;
      const reasons = explain(i);
      if (note !== null) reasons.push(note);
      yield { id: uuidAt(runs, i), definition, database, startedAt: runs.startedAt[i]!, status: RUN_STATUSES[runs.status[i]!]!, keep, reasons };
    }
  }
}

/** The ids of the runs that expire, newest first within a group. */
export function expiringIdsOf(groups: readonly GroupSelection[]): string[] {
  const ids: string[] = [];
  for (const { selection } of groups) {
    if (selection.expiring === 0) continue;
    const { runs, order, verdicts } = selection;
    for (let k = 0; k < order.length; k++) if (!isKept(verdicts[order[k]!]!)) ids.push(uuidAt(runs, order[k]!));
  }
  return ids;
}
