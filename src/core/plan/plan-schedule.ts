// Pure diff of the entries a server should have against the entries found in its schedule target.
// A difference the catalog does not explain (the line was already wrong before this plan) is drift.
import { isMaintainEntry, type ObservedEntry, type ObservedSchedule, type ScheduleEntry } from '../schedule/entry.js';
import type { ScheduleAction } from './types.js';

export function planSchedule(
  wanted: readonly ScheduleEntry[],
  observed: readonly ObservedEntry[],
  /** Entries the catalog wanted before this plan: what the target should already hold. */
  wantedBefore: readonly ScheduleEntry[],
): ScheduleAction[] {
  const wantedByName = new Map(wanted.map((e) => [e.name, e]));
  const beforeByName = new Map(wantedBefore.map((e) => [e.name, e]));
  const observedByName = new Map<string, ObservedEntry>();
  const actions: ScheduleAction[] = [];

  for (const entry of observed) {
    if (observedByName.has(entry.name)) {
      // Two managed lines for one definition: someone copied a line. Keep the first, remove the copy.
      actions.push({ op: 'remove', name: entry.name, before: entry, reason: 'duplicate managed line', drift: true });
      continue;
    }
    observedByName.set(entry.name, entry);
  }

  for (const entry of observed) {
    if (observedByName.get(entry.name) !== entry) continue;
    const want = wantedByName.get(entry.name);
    const drift = !sameEntry(beforeByName.get(entry.name), entry);
    const what = subjectOf(entry);
    if (!want) {
      actions.push({ op: 'remove', name: entry.name, before: entry, drift, reason: drift ? `managed line without a scheduled ${what}` : `${what} no longer scheduled here` });
    } else if (!sameEntry(want, entry)) {
      actions.push({
        op: 'change', name: entry.name, before: entry, after: want, drift,
        reason: entry.edited ? 'line edited by hand; restoring it' : drift ? 'line differs from the catalog' : `${what} changed`,
      });
    }
  }
  for (const want of wanted) {
    if (observedByName.has(want.name)) continue;
    const drift = beforeByName.has(want.name);
    actions.push({ op: 'add', name: want.name, after: want, drift, reason: drift ? 'line missing from the schedule; restoring it' : `${subjectOf(want)} newly scheduled here` });
  }
  return actions.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) || opRank(a) - opRank(b));
}

/** What a line runs, in the words of a plan. */
function subjectOf(entry: { name: string }): string {
  return isMaintainEntry(entry) ? 'maintenance' : 'definition';
}

function sameEntry(a: ScheduleEntry | undefined, b: ObservedEntry): boolean {
  return a !== undefined && !b.edited && a.hash === b.hash && a.schedule === b.schedule;
}

function opRank(a: ScheduleAction): number {
  return a.op === 'remove' ? 0 : a.op === 'change' ? 1 : 2;
}

/**
 * What the target should already hold (planSchedule's `wantedBefore`), given the entries pgbackops last
 * wrote or meant to write there: nothing when the managed file or block does not exist. A schedule written
 * for the first time (a new server, a first apply) is created, not restored: none of it is drift.
 */
export function entriesExpectedIn(observed: ObservedSchedule, lastWritten: readonly ScheduleEntry[]): readonly ScheduleEntry[] {
  return observed.present ? lastWritten : [];
}
