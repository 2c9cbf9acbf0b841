// Sizes as a configuration writes them: a number of bytes, or a number with PostgreSQL's units (kB, MB, GB, TB,
// powers of 1024, as postgresql.conf reads `max_slot_wal_keep_size`), so a DBA can copy a threshold from the
// node's settings. The schema has already checked the form.

const UNIT_BYTES: Readonly<Record<string, number>> = { kB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4 };

/** `20GB` -> 21474836480; a number is already bytes. Throws on a form the schema does not allow. */
export function sizeInBytes(size: number | string): number {
  if (typeof size === 'number') return size;
  const m = /^([1-9][0-9]*)(kB|MB|GB|TB)$/.exec(size);
  if (!m) throw new Error(`not a size: ${JSON.stringify(size)} (expected bytes, or e.g. 20GB)`);
  return Number(m[1]) * UNIT_BYTES[m[2]!]!;
}
