import { describe, expect, it } from 'vitest';
import { formatLsn, missingSegments, parseLsn, parseWalFileName, segnoOfLsn, walSegmentName, walSegmentSizeOfControlData } from '../../../src/core/wal/wal-segment.js';

describe('WAL segment names', () => {
  it('round-trips segment numbers through names, for 16 MiB and 64 MiB segments', () => {
    for (const size of [16 * 1024 * 1024, 64 * 1024 * 1024]) {
      for (const segno of [0n, 1n, 255n, 256n, 4095n, 123456n]) {
        const name = walSegmentName(3, segno, size);
        const parsed = parseWalFileName(name, size);
        expect(parsed).toMatchObject({ kind: 'segment', timeline: 3, segno, partial: false, compression: null });
      }
    }
    expect(walSegmentName(1, 256n)).toBe('000000010000000100000000');
  });

  it('knows partial, compressed, history and backup-label files, and ignores the rest', () => {
    expect(parseWalFileName('000000010000000000000003.partial')).toMatchObject({ partial: true, compression: null, segno: 3n });
    expect(parseWalFileName('000000010000000000000003.gz.partial')).toMatchObject({ partial: true, compression: 'gz' });
    expect(parseWalFileName('000000010000000000000003.partial.gz')).toMatchObject({ partial: true, compression: 'gz' });
    expect(parseWalFileName('000000010000000000000003.zst')).toMatchObject({ partial: false, compression: 'zst' });
    expect(parseWalFileName('00000002.history')).toEqual({ kind: 'history', name: '00000002.history', timeline: 2 });
    expect(parseWalFileName('000000010000000000000002.00000028.backup')).toMatchObject({ kind: 'backup-label', segno: 2n });
    for (const junk of ['', 'x', '00000001000000000000000', '000000010000000000000003.tmp', '000000010000000000000003 ', '0000000100000000000000O3']) {
      expect(parseWalFileName(junk)).toBeNull();
    }
  });

  it('converts LSNs', () => {
    expect(parseLsn('16/B374D848')).toBe((0x16n << 32n) + 0xb374d848n);
    expect(formatLsn(parseLsn('16/B374D848'))).toBe('16/B374D848');
    expect(formatLsn(parseLsn('0/0'))).toBe('0/0');
    expect(segnoOfLsn('0/3000028')).toBe(3n);
    expect(segnoOfLsn('1/0')).toBe(256n);
    expect(() => parseLsn('16B374D848')).toThrow(/not an LSN/);
  });

  it('finds gaps', () => {
    expect(missingSegments([1n, 2n, 5n, 7n])).toEqual([3n, 4n, 6n]);
    expect(missingSegments([])).toEqual([]);
    expect(missingSegments([1n, 1000n], 3)).toEqual([2n, 3n, 4n]);
  });
});

describe('walSegmentSizeOfControlData', () => {
  it('reads "Bytes per WAL segment" of pg_controldata (initdb --wal-segsize), a power of two from 1 MiB to 1 GiB', () => {
    const out = (size: string) => `pg_control version number:            1300\nDatabase block size:                  8192\nBytes per WAL segment:                ${size}\nMaximum length of identifiers:        64\n`;
    expect(walSegmentSizeOfControlData(out('1048576'))).toBe(1024 * 1024);
    expect(walSegmentSizeOfControlData(out('16777216'))).toBe(16 * 1024 * 1024);
    expect(walSegmentSizeOfControlData(out('1073741824'))).toBe(1024 * 1024 * 1024);
    expect(walSegmentSizeOfControlData(out('3000000'))).toBeNull();
    expect(walSegmentSizeOfControlData(out('524288'))).toBeNull();
    expect(walSegmentSizeOfControlData('pg_controldata: fatal: could not open file\n')).toBeNull();
  });
});
