// Five-field cron expressions: the subset that both Debian's cron (cron.d / crontab targets) and croner
// (builtin target) read the same way, plus Jenkins-style `H` values that pgbackops resolves per definition
// so that thousands of "H 2 * * *" jobs spread over the hour instead of all starting at 02:00.
import { sha256Hex } from '../canonical.js';

interface FieldSpec {
  label: string;
  min: number;
  max: number;
  /** Upper bound for a bare `H`: day of month stops at 28 so the job runs every month. */
  hashMax: number;
  /** Where `H/n` steps end: day of week stops at 6 so Sunday is not counted twice (0 and 7). */
  stepEnd: number;
  names?: Readonly<Record<string, number>>;
}

const MONTH_NAMES = { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 };
const DAY_NAMES = { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 };

const FIELDS: readonly FieldSpec[] = [
  { label: 'minute', min: 0, max: 59, hashMax: 59, stepEnd: 59 },
  { label: 'hour', min: 0, max: 23, hashMax: 23, stepEnd: 23 },
  { label: 'day of month', min: 1, max: 31, hashMax: 28, stepEnd: 31 },
  { label: 'month', min: 1, max: 12, hashMax: 12, stepEnd: 12, names: MONTH_NAMES },
  // 0 and 7 are both Sunday in cron; H picks among 0-6 so each weekday is equally likely.
  { label: 'day of week', min: 0, max: 7, hashMax: 6, stepEnd: 6, names: DAY_NAMES },
];

/** Macros cron understands, as the five fields they stand for. @reboot is not a schedule and is refused. */
export const CRON_MACROS: Readonly<Record<string, string>> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

export type CronCheck = { ok: true } | { ok: false; message: string; field?: number };

/** One comma-separated element of a field, parsed. */
type Element =
  | { kind: 'star'; step?: number }
  | { kind: 'value'; value: number }
  | { kind: 'range'; from: number; to: number; step?: number }
  | { kind: 'hash'; from: number; to: number; step?: number };

class CronError extends Error {
  constructor(
    message: string,
    readonly field?: number,
  ) {
    super(message);
  }
}

/**
 * Checks a cron expression (five fields or a macro). `field` is the 0-based index of the offending field
 * (0 minute … 4 day of week) when the problem is inside one field.
 */
export function checkCronExpression(expr: string): CronCheck {
  let known = checked.get(expr);
  if (known === undefined) {
    known = Object.freeze(check(expr));
    // Fleets repeat a handful of expressions thousands of times; remember them, within a bound.
    if (checked.size >= MAX_REMEMBERED) checked.clear();
    checked.set(expr, known);
  }
  return known;
}

const MAX_REMEMBERED = 10_000;
const checked = new Map<string, CronCheck>();

function check(expr: string): CronCheck {
  try {
    const fields = parseExpression(expr);
    checkCanFire(fields);
    return { ok: true };
  } catch (err) {
    if (err instanceof CronError) {
      return err.field === undefined ? { ok: false, message: err.message } : { ok: false, message: err.message, field: err.field };
    }
    throw err;
  }
}

/**
 * The expression cron will read: macros expanded to five fields, whitespace normalised, and every `H`
 * replaced by a value derived from sha256(seed + ":" + fieldIndex), so the result is stable across runs and
 * machines while different seeds (definition names) spread over the allowed range. Throws on an invalid
 * expression: callers validate with checkCronExpression first.
 */
export function resolveHashedSchedule(expr: string, seed: string): string {
  const check = checkCronExpression(expr);
  if (!check.ok) throw new Error(`invalid cron expression "${expr}": ${check.message}`);
  let template = templates.get(expr);
  if (template === undefined) {
    template = templateOf(expr);
    if (templates.size >= MAX_REMEMBERED) templates.clear();
    templates.set(expr, template);
  }
  return template
    .map((field, index) => {
      if (typeof field === 'string') return field;
      const hash = fieldHash(seed, index);
      return field.map((element) => (typeof element === 'string' ? element : resolveHash(element, hash))).join(',');
    })
    .join(' ');
}

/** The values of each field of a resolved expression, for computing when it fires (fire-times.ts). */
export interface CronFields {
  /** Ascending allowed values: minute 0-59, hour 0-23, day of month 1-31, month 1-12, day of week 0-6 (7 read as 0). */
  minutes: readonly number[];
  hours: readonly number[];
  days: readonly number[];
  months: readonly number[];
  weekdays: readonly number[];
  /**
   * Whether day of month / day of week were written as a bare `*`. When neither is, a day matches if EITHER
   * matches (cron's and croner's legacy rule); croner counts any other text, even a star with a step, as set.
   */
  anyDay: boolean;
  anyWeekday: boolean;
}

/** The field values of a valid expression whose `H` values are resolved (resolveHashedSchedule). Throws otherwise. */
export function cronFields(expr: string): CronFields {
  // Parsed once, checked as checkCronExpression checks (a report meets each resolved expression here first).
  let parsed: Element[][];
  try {
    parsed = parseExpression(expr);
    checkCanFire(parsed);
  } catch (err) {
    if (err instanceof CronError) throw new Error(`invalid cron expression "${expr}": ${err.message}`);
    throw err;
  }
  const texts = splitFields(expr);
  if (texts.some((t) => t.includes('H'))) throw new Error(`cron expression "${expr}" still holds an H: resolve it first`);
  const [minutes, hours, days, months, weekdays] = parsed.map((elements, index) =>
    expand(elements, FIELDS[index]!.min, FIELDS[index]!.max).sort((a, b) => a - b));
  return {
    minutes: minutes!, hours: hours!, days: days!, months: months!,
    weekdays: [...new Set(weekdays!.map((d) => d % 7))].sort((a, b) => a - b),
    anyDay: texts[2] === '*', anyWeekday: texts[4] === '*',
  };
}

/** Each field as text, or (when it holds an H) as its elements with the H ones still to resolve. */
type Template = (string | (string | HashElement)[])[];
type HashElement = Extract<Element, { kind: 'hash' }>;
const templates = new Map<string, Template>();

function templateOf(expr: string): Template {
  return splitFields(expr).map((text, index) => {
    if (!text.includes('H')) return text;
    return text.split(',').map((elementText) => {
      const element = parseElement(elementText, FIELDS[index]!, index);
      return element.kind === 'hash' ? element : elementText;
    });
  });
}

function resolveHash(element: HashElement, hash: number): string {
  if (element.step === undefined) return String(element.from + (hash % (element.to - element.from + 1)));
  // H/n: a start within the first step, then every n up to the end of the range.
  const startChoices = Math.min(element.step, element.to - element.from + 1);
  const start = element.from + (hash % startChoices);
  return `${start}-${element.to}/${element.step}`;
}

function fieldHash(seed: string, index: number): number {
  // The first four bytes of the digest, big-endian (read from its hex: no Buffer per field).
  return Number.parseInt(sha256Hex(`${seed}:${index}`).slice(0, 8), 16);
}

function splitFields(expr: string): string[] {
  const trimmed = expr.trim();
  if (trimmed.startsWith('@')) {
    const macro = CRON_MACROS[trimmed.toLowerCase()];
    if (macro === undefined) {
      const allowed = Object.keys(CRON_MACROS).join(', ');
      const hint = trimmed.toLowerCase() === '@reboot' ? ' (@reboot is not a schedule: a backup needs a time)' : '';
      throw new CronError(`unknown macro "${trimmed}"${hint}; allowed: ${allowed}`);
    }
    return macro.split(' ');
  }
  return trimmed.split(/[ \t]+/).filter((f) => f !== '');
}

function parseExpression(expr: string): Element[][] {
  if (/[\0\r\n]/.test(expr)) throw new CronError('a cron expression must be a single line');
  const fields = splitFields(expr);
  if (fields.length === 0) throw new CronError('the expression is empty; expected 5 fields: minute hour day-of-month month day-of-week');
  if (fields.length === 6 || fields.length === 7) {
    throw new CronError(
      `${fields.length} fields found: seconds${fields.length === 7 ? ' and years' : ''} are not supported by cron; ` +
        'use 5 fields: minute hour day-of-month month day-of-week',
    );
  }
  if (fields.length !== 5) {
    throw new CronError(`${fields.length} field(s) found; expected 5: minute hour day-of-month month day-of-week`);
  }
  return fields.map((text, index) => parseField(text, FIELDS[index]!, index));
}

/** Quartz-only forms (?, L, W, #) that people paste from Java schedulers; cron would reject the file. */
const QUARTZ_RE = /^(\?|L|LW|\d+W|\d*L|L-\d+|\w+#\d+)$/i;

function parseField(text: string, spec: FieldSpec, index: number): Element[] {
  const parts = text.split(',');
  for (const part of parts) {
    if (part === '') throw new CronError(`empty list element in the ${spec.label} field ("${text}")`, index);
    if (QUARTZ_RE.test(part)) {
      throw new CronError(
        `"${part}" in the ${spec.label} field is Quartz syntax (?, L, W, #) that Debian cron does not support; ` +
          'use numbers, names, *, lists, ranges and steps',
        index,
      );
    }
  }
  return parts.map((part) => parseElement(part, spec, index));
}

const ELEMENT_RE = /^(?:(\*)|(H)(?:\((\w+)-(\w+)\))?|(\w+)(?:-(\w+))?)(?:\/(\w+))?$/;

function parseElement(text: string, spec: FieldSpec, index: number): Element {
  const m = ELEMENT_RE.exec(text);
  if (!m) {
    throw new CronError(`cannot read "${text}" in the ${spec.label} field; allowed: *, N, N-M, */S, N-M/S, H, H(N-M), H/S, and lists of these`, index);
  }
  const [, star, hash, hashFrom, hashTo, single, rangeTo, stepText] = m;
  const step = stepText === undefined ? undefined : parseStep(stepText, spec, index);
  if (star !== undefined) return { kind: 'star', step };
  if (hash !== undefined) {
    const hasRange = hashFrom !== undefined;
    const from = hasRange ? parseValue(hashFrom, spec, index) : spec.min;
    const to = hasRange ? parseValue(hashTo!, spec, index) : spec.hashMax;
    if (from > to) throw new CronError(`H(${hashFrom}-${hashTo}) in the ${spec.label} field is reversed: the start must not exceed the end`, index);
    // With a step and no explicit range, the steps run to the field's end (minute H/15 -> s-59/15).
    return { kind: 'hash', from, to: hasRange || step === undefined ? to : spec.stepEnd, step };
  }
  const from = parseValue(single!, spec, index);
  if (rangeTo === undefined) {
    if (step !== undefined) {
      throw new CronError(`"${text}" in the ${spec.label} field: a step needs a range or *, e.g. ${single}-${spec.max}/${stepText} or */${stepText}`, index);
    }
    return { kind: 'value', value: from };
  }
  const to = parseValue(rangeTo, spec, index);
  if (from > to) throw new CronError(`range "${single}-${rangeTo}" in the ${spec.label} field is reversed: the start must not exceed the end`, index);
  return { kind: 'range', from, to, step };
}

function parseValue(text: string, spec: FieldSpec, index: number): number {
  if (/^\d+$/.test(text)) {
    const value = Number(text);
    if (value < spec.min || value > spec.max) {
      throw new CronError(`${text} is out of range for the ${spec.label} field (${spec.min}-${spec.max})`, index);
    }
    return value;
  }
  const named = spec.names?.[text.toLowerCase()];
  if (named !== undefined) return named;
  const allowedNames = spec.names ? ` or ${Object.keys(spec.names).join('/')}` : '';
  throw new CronError(`"${text}" is not a valid ${spec.label} value; allowed: ${spec.min}-${spec.max}${allowedNames}`, index);
}

function parseStep(text: string, spec: FieldSpec, index: number): number {
  const span = spec.max - spec.min + 1;
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > span) {
    throw new CronError(`step "/${text}" in the ${spec.label} field must be a number from 1 to ${span}`, index);
  }
  return Number(text);
}

/**
 * Refuses expressions that can never fire, such as "0 0 30 2 *": cron accepts them silently and the backup
 * would simply never run. Only the day-of-month/month combination can be empty (when day of week is `*`;
 * otherwise cron fires on matching weekdays anyway).
 */
function checkCanFire(fields: Element[][]): void {
  const [, , days, months, weekdays] = fields;
  if (!days || !months || !weekdays) return;
  if (weekdays.some((e) => e.kind !== 'star' || (e.step ?? 1) !== 1)) return;
  const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  const firstDay = Math.min(...days.map((e) => lowestValue(e, 1)));
  const longest = Math.max(...expand(months, 1, 12).map((m) => DAYS_IN_MONTH[m - 1]!));
  if (firstDay > longest) {
    throw new CronError(`day ${firstDay} never occurs in the selected month(s): this schedule would never run`, 2);
  }
}

function lowestValue(e: Element, min: number): number {
  switch (e.kind) {
    case 'star':
      return min;
    case 'value':
      return e.value;
    case 'range':
    case 'hash':
      return e.from;
  }
}

function expand(elements: Element[], min: number, max: number): number[] {
  const out = new Set<number>();
  for (const e of elements) {
    const [from, to, step] =
      e.kind === 'star' ? [min, max, e.step ?? 1] : e.kind === 'value' ? [e.value, e.value, 1] : [e.from, e.to, e.step ?? 1];
    for (let v = from; v <= to; v += step) out.add(v);
  }
  return [...out];
}

/** A resolved expression as the sets of values cron fires on (for computing fire times without a scheduler). */
export interface CronFieldSets {
  minutes: number[];
  hours: number[];
  daysOfMonth: number[];
  months: number[];
  /** 0 = Sunday … 6 = Saturday (a 7 is folded into 0). */
  weekdays: number[];
  /**
   * Cron's day rule: when both the day-of-month and the day-of-week field are restricted (neither starts with
   * `*`), a day matches if EITHER does; otherwise both must.
   */
  dayOrWeekday: boolean;
}

/** The value sets of an expression without `H` (resolve it first). Throws on an invalid expression. */
export function expandCronFields(expr: string): CronFieldSets {
  const texts = splitFields(expr);
  const fields = parseExpression(expr);
  if (fields.some((f) => f.some((e) => e.kind === 'hash'))) throw new Error(`"${expr}" still holds an H; resolve it first`);
  const sorted = (index: number) => expand(fields[index]!, FIELDS[index]!.min, FIELDS[index]!.max).sort((a, b) => a - b);
  const weekdays = [...new Set(sorted(4).map((d) => d % 7))].sort((a, b) => a - b);
  return {
    minutes: sorted(0), hours: sorted(1), daysOfMonth: sorted(2), months: sorted(3), weekdays,
    dayOrWeekday: !texts[2]!.startsWith('*') && !texts[4]!.startsWith('*'),
  };
}
