// The runs of one definition and database as parallel typed arrays: the shape a retention pass works on.
// A million runs take about 25 MB this way instead of a million objects with a uuid string each, and a run
// that nobody prints is never turned into a string.
import type { RunStatus } from '../runs/run-record.js';

/** The code of each status, as the catalog read sends it (so the codes are fixed). */
export const STATUS_CODE: Readonly<Record<RunStatus, number>> = {
  running: 0, succeeded: 1, failed: 2, skipped: 3, abandoned: 4, expiring: 5,
};

/** The status of each code: `RUN_STATUSES[code]`. */
export const RUN_STATUSES: readonly RunStatus[] = (Object.keys(STATUS_CODE) as RunStatus[]).sort((a, b) => STATUS_CODE[a] - STATUS_CODE[b]);

export const UUID_BYTES = 16;

export interface RunColumns {
  readonly count: number;
  /** Each run's uuid, 16 bytes per run, in the byte order PostgreSQL stores and sorts them. */
  readonly ids: Uint8Array;
  /** When each run started, epoch milliseconds. */
  readonly startedAt: Float64Array;
  /** Each run's status as a code into RUN_STATUSES. */
  readonly status: Uint8Array;
}

export function allocateRunColumns(count: number): RunColumns {
  return { count, ids: new Uint8Array(count * UUID_BYTES), startedAt: new Float64Array(count), status: new Uint8Array(count) };
}

/** Columns from run objects: for small callers and tests (a retention pass decodes the catalog's bytes directly). */
export function runColumnsOf(runs: ReadonlyArray<{ id: string; startedAt: number; status: RunStatus }>): RunColumns {
  const columns = allocateRunColumns(runs.length);
  runs.forEach((run, i) => {
    const hex = run.id.replace(/-/g, '');
    if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new Error(`not a uuid: ${JSON.stringify(run.id)}`);
    for (let b = 0; b < UUID_BYTES; b++) columns.ids[i * UUID_BYTES + b] = parseInt(hex.slice(b * 2, b * 2 + 2), 16);
    columns.startedAt[i] = run.startedAt;
    columns.status[i] = STATUS_CODE[run.status];
  });
  return columns;
}

const HEX_DIGITS = Array.from('0123456789abcdef', (c) => c.charCodeAt(0));
// Where each byte's two hex digits go in the 36-character text form (dashes after bytes 4, 6, 8 and 10).
const DIGIT_POSITIONS = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34];
// Reused for every uuid: only the digits change, the dashes stay.
const uuidChars: number[] = Array.from('00000000-0000-0000-0000-000000000000', (c) => c.charCodeAt(0));

/** The uuid of run `i` in its canonical text form (made from char codes: a flat string, no concatenation). */
export function uuidAt(runs: RunColumns, i: number): string {
  const ids = runs.ids;
  const o = i * UUID_BYTES;
  for (let b = 0; b < UUID_BYTES; b++) {
    const byte = ids[o + b]!;
    uuidChars[DIGIT_POSITIONS[b]!] = HEX_DIGITS[byte >> 4]!;
    uuidChars[DIGIT_POSITIONS[b]! + 1] = HEX_DIGITS[byte & 15]!;
  }
  return String.fromCharCode(...uuidChars);
}

/**
 * Run indices newest first: by start time, then by id, both descending (a total order, so that the same runs
 * always give the same decisions). A natural merge sort: the catalog returns a group in a few ordered
 * stretches (oldest first in insertion order, newer runs in the space that expired ones freed; newest first
 * when read through an index), so finding those stretches and merging them is close to linear. It compares
 * in place, without calling a comparator function per comparison as Array.prototype.sort does.
 */
export function newestFirst(runs: RunColumns): Uint32Array {
  const n = runs.count;
  let order = new Uint32Array(n);
  let spare = new Uint32Array(n);
  // The stretches, as boundaries [0, end of first, end of second, ..., n]; oldest-first ones are reversed.
  let bounds = [0];
  for (let start = 0; start < n;) {
    let end = start + 1;
    if (end < n && before(runs, end, start)) {
      while (end + 1 < n && before(runs, end + 1, end)) end++;
      end++;
      for (let k = start; k < end; k++) order[k] = end - 1 - (k - start);
    } else {
      while (end < n && before(runs, end - 1, end)) end++;
      for (let k = start; k < end; k++) order[k] = k;
    }
    bounds.push(end);
    start = end;
  }
  while (bounds.length > 2) {
    const merged = [0];
    for (let r = 0; r + 1 < bounds.length; r += 2) {
      const end = bounds[r + 2] ?? bounds[r + 1]!; // an odd stretch out is carried over as it is
      merge(runs, order, spare, bounds[r]!, bounds[r + 1]!, end);
      merged.push(end);
    }
    [order, spare] = [spare, order];
    bounds = merged;
  }
  return order;
}

/** Merges the newest-first stretches from[lo, mid) and from[mid, hi) into to[lo, hi). */
function merge(runs: RunColumns, from: Uint32Array, to: Uint32Array, lo: number, mid: number, hi: number): void {
  let i = lo;
  let j = mid;
  let k = lo;
  while (i < mid && j < hi) to[k++] = before(runs, from[j]!, from[i]!) ? from[j++]! : from[i++]!;
  while (i < mid) to[k++] = from[i++]!;
  while (j < hi) to[k++] = from[j++]!;
}

/** Whether run `a` comes before run `b` newest first. */
function before(runs: RunColumns, a: number, b: number): boolean {
  const byTime = runs.startedAt[a]! - runs.startedAt[b]!;
  return byTime > 0 || (byTime === 0 && compareIds(runs, a, b) > 0);
}

/** Byte order of two runs' uuids: the order of their text forms. */
function compareIds(runs: RunColumns, a: number, b: number): number {
  const ids = runs.ids;
  for (let o = 0; o < UUID_BYTES; o++) {
    const difference = ids[a * UUID_BYTES + o]! - ids[b * UUID_BYTES + o]!;
    if (difference !== 0) return difference;
  }
  return 0;
}
