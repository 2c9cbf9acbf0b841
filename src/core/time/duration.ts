// Durations as written in the configuration: "30m", "36h", "7d", "2w", "6mo", "1y", combined as "1d12h".
// Months and years are calendar-free approximations (30 d, 365 d): retention windows, not calendars.

const UNIT_MS: Record<string, number> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
  mo: 30 * 86_400_000,
  y: 365 * 86_400_000,
};

const PART = /(\d+)(mo|[smhdwy])/gy;

/** Milliseconds, or null when the text is not a duration. */
export function parseDuration(text: string): number | null {
  if (!/^(\d+(mo|[smhdwy]))+$/.test(text)) return null;
  let total = 0;
  PART.lastIndex = 0;
  for (let match = PART.exec(text); match; match = PART.exec(text)) {
    total += Number(match[1]) * UNIT_MS[match[2]!]!;
  }
  return total;
}
