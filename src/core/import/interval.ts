// PostgreSQL intervals (as IntervalStyle iso_8601 prints them: P1Y2M3DT4H5M6.5S) as pgbackops durations
// (1y2mo3d4h6m). pgbackops durations have no seconds: seconds are rounded up to a whole minute, so that a
// retention never becomes shorter. Pure.

export interface ConvertedInterval {
  /** The duration, or null when the interval is zero or negative (no duration expresses it). */
  duration: string | null;
  /** False when seconds had to be rounded up. */
  exact: boolean;
}

const ISO = /^P(?:(-?\d+)Y)?(?:(-?\d+)M)?(?:(-?\d+)W)?(?:(-?\d+)D)?(?:T(?:(-?\d+)H)?(?:(-?\d+)M)?(?:(-?\d+(?:\.\d+)?)S)?)?$/;

export function intervalToDuration(iso: string): ConvertedInterval | null {
  const m = ISO.exec(iso.trim());
  if (!m || iso.trim() === 'P') return null;
  const [y, mo, w, d, h, min, s] = m.slice(1).map((p) => (p === undefined ? 0 : Number(p)));
  const parts = [y!, mo!, w!, d!, h!, min!, s!];
  if (parts.some((p) => p < 0)) return { duration: null, exact: false };
  const months = y! * 12 + mo!;
  const days = w! * 7 + d!;
  const minutes = min! + Math.ceil(s! / 60);
  const exact = s! % 60 === 0;
  let text = '';
  if (months >= 12) text += `${Math.floor(months / 12)}y`;
  if (months % 12 > 0) text += `${months % 12}mo`;
  if (days > 0) text += `${days}d`;
  if (h! > 0) text += `${h}h`;
  if (minutes > 0) text += `${minutes}m`;
  return { duration: text === '' ? null : text, exact };
}
