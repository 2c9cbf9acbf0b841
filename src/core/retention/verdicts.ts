// What retention decided for each run, as small integers in typed arrays (a pass holds a million of them):
// a verdict per run, and for a successful backup kept by rules, a bit per rule that keeps it. The text of a
// decision is produced from these only when it is shown (explain.ts).
import type { RetentionSpec } from '../model.js';
import type { RunColumns } from './run-columns.js';

/** Kept verdicts come first: `isKept` compares with the last of them. */
export const Verdict = {
  /** Kept by the rules whose bits are set in `keptBy`. */
  KeptByRules: 0,
  /** Not kept by any rule, but the newest finished run failed: nothing expires. */
  KeptFrozen: 1,
  KeptFailedLog: 2,
  /** The failed run that freezes its group (the newest finished run), kept whatever its age. */
  KeptLatestFailure: 3,
  /** Running, skipped or abandoned: retention does not touch it. */
  KeptNotSubject: 4,
  /** A running run of a definition whose backups are force-removed. */
  KeptRunning: 5,
  /** A snapshot's backup younger than its keepFor (policy.expireAfter). */
  KeptSnapshotAge: 6,
  /** No rule keeps it, but a kept backup was taken against it (a pgBackRest diff's full): it stays as long. */
  KeptNeededByKept: 7,
  ExpiredNotKept: 8,
  ExpiredFailedLog: 9,
  /** Already tombstoned by an interrupted pass: the expiry is finished. */
  ExpiredFinishing: 10,
  /** The definition was removed and `--force` removes all its backups. */
  ExpiredForced: 11,
  /** A snapshot's backup older than its keepFor. */
  ExpiredSnapshotAge: 12,
} as const;
export type Verdict = (typeof Verdict)[keyof typeof Verdict];

export function isKept(verdict: number): boolean {
  return verdict <= Verdict.KeptNeededByKept;
}

/** Bits of `keptBy`, in the order explanations list the rules. */
export const KeptBy = {
  newest: 1 << 0,
  keepLast: 1 << 1,
  keepWithin: 1 << 2,
  keepDaily: 1 << 3,
  keepWeekly: 1 << 4,
  keepMonthly: 1 << 5,
  keepYearly: 1 << 6,
} as const;

/** Records that the rule `bit` keeps the run at `index`. */
export function markKept(keptBy: Uint8Array, index: number, bit: number): void {
  keptBy[index] = keptBy[index]! | bit;
}

export interface RetentionSelection {
  readonly runs: RunColumns;
  /** Run indices newest first: the order decisions are listed in. */
  readonly order: Uint32Array;
  /** Per run index. */
  readonly verdicts: Uint8Array;
  /** Per run index: KeptBy bits (for KeptByRules). */
  readonly keptBy: Uint8Array;
  /** The policy applied (null when the backups are force-removed), for explanations. */
  readonly policy: RetentionSpec | null;
  readonly timeZone: string;
  /** How many runs expire. */
  readonly expiring: number;
}
