// Test runs with readable names instead of uuids: a name (up to 16 ASCII characters) is stored as the bytes
// of its uuid, so uuids sort as the names do and decisions can be read back by name.
import { decisionsOf, type RetentionDecision } from '../../../src/core/retention/decision-list.js';
import { runColumnsOf, type RunColumns } from '../../../src/core/retention/run-columns.js';
import { selectRetention } from '../../../src/core/retention/select.js';
import type { RetentionSelection } from '../../../src/core/retention/verdicts.js';
import type { RetentionSpec } from '../../../src/core/model.js';
import type { RunStatus } from '../../../src/core/runs/run-record.js';

export interface NamedRun {
  id: string;
  startedAt: number;
  status: RunStatus;
}

export const at = (iso: string) => Date.parse(iso);
export const ok = (id: string, iso: string): NamedRun => ({ id, startedAt: at(iso), status: 'succeeded' });
export const failed = (id: string, iso: string): NamedRun => ({ id, startedAt: at(iso), status: 'failed' });

export function uuidOfName(name: string): string {
  if (name.length > 16 || !/^[\x20-\x7e]*$/.test(name)) throw new Error(`test run name too long or not ASCII: ${name}`);
  const hex = Buffer.from(name.padEnd(16, '\0'), 'latin1').toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function nameOfUuid(uuid: string): string {
  return Buffer.from(uuid.replace(/-/g, ''), 'hex').toString('latin1').replace(/\0+$/, '');
}

export function columnsOf(runs: readonly NamedRun[]): RunColumns {
  return runColumnsOf(runs.map((r) => ({ ...r, id: uuidOfName(r.id) })));
}

/** Every decision of one group, newest first, with run names for ids. */
export function decisionsByName(selection: RetentionSelection, note: string | null = null): RetentionDecision[] {
  return [...decisionsOf([{ definition: 'def', database: 'db', selection, note }])].map((d) => ({ ...d, id: nameOfUuid(d.id) }));
}

export function decide(runs: readonly NamedRun[], policy: RetentionSpec, timeZone: string, now: number): RetentionDecision[] {
  return decisionsByName(selectRetention(columnsOf(runs), policy, timeZone, now));
}

export const keptIds = (decisions: readonly RetentionDecision[]) => decisions.filter((d) => d.keep).map((d) => d.id).sort();
