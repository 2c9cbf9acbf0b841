// The restorable window, decided from plain facts: the kept base backups and the archive's newest end.
import { describe, expect, it } from 'vitest';
import { restorableWindow, restorableWindowStatus, windowCheck, type ArchiveHead, type KeptBaseBackup } from '../../../src/core/wal/restorable-window.js';
import { readWaldumpOutput } from '../../../src/core/wal/waldump-output.js';

const SEG = 16 * 1024 * 1024;

function head(over: Partial<ArchiveHead> = {}): ArchiveHead {
  return {
    timeline: 1, segmentSize: SEG, newestSegno: 9n, gaplessFromSegno: 2n, partial: true, endLsn: '0/9000238',
    lastTransaction: { lsn: '0/9000068', time: '2026-12-05T21:14:32.869279Z' }, readFromSegno: 9n, newestWriteMs: Date.parse('2026-12-05T21:20:00Z'),
    unreadable: null, ...over,
  };
}

const b1: KeptBaseBackup = { id: 'b1', timeline: 1, stopLsn: '0/3000100', endTime: '2026-12-05T20:00:00.5Z' };
const b2: KeptBaseBackup = { id: 'b2', timeline: 1, stopLsn: '0/7000100', endTime: '2026-12-05T21:00:00Z' };

describe('restorableWindow', () => {
  it('runs from the oldest kept backup the archive continues to the newest commit in the archive', () => {
    const v = restorableWindow([b2, b1], head());
    expect(v.problem).toBeNull();
    expect(v.window).toEqual({
      from: '2026-12-05T20:00:00.5Z', fromLsn: '0/3000100', fromBackup: 'b1', to: '2026-12-05T21:14:32.869279Z', toLsn: '0/9000238',
      toSource: 'last-transaction', timeline: 1, newestSegment: '000000010000000000000009', partial: true, outside: [],
    });
  });

  it('a backup before a gap in the archive, or on another timeline, restores only to its own end: outside the window', () => {
    const v = restorableWindow([b1, b2, { ...b1, id: 'old-tl', timeline: 2 }], head({ gaplessFromSegno: 5n }));
    expect(v.window).toMatchObject({ fromBackup: 'b2', from: b2.endTime, outside: ['b1', 'old-tl'] });
  });

  it('nothing committed after the newest backup: the window ends at its end', () => {
    const tx = { lsn: '0/6000000', time: '2026-12-05T20:59:00Z' };
    expect(restorableWindow([b1, b2], head({ lastTransaction: tx })).window).toMatchObject({ to: b2.endTime, toSource: 'backup-end', toLsn: '0/9000238' });
    // No transaction at all in the segments read, which reach back to the backup: the same.
    expect(restorableWindow([b2], head({ lastTransaction: null, readFromSegno: 7n })).window).toMatchObject({ to: b2.endTime, toSource: 'backup-end' });
  });

  it('without the contents (no pg_waldump), the end is the newest file time, and says so', () => {
    const v = restorableWindow([b1], head({ lastTransaction: null, readFromSegno: 10n, unreadable: 'pg_waldump not found' }));
    expect(v.window).toMatchObject({ to: '2026-12-05T21:20:00.000Z', toSource: 'file-time' });
    expect(restorableWindowStatus('pg1', v)).toMatchObject({ node: 'pg1', to_source: 'file-time', problem: null });
  });

  it('no window without a kept backup, an archive, or a backup the archive continues', () => {
    expect(restorableWindow([], head()).problem).toMatch(/no kept base backup of this node/);
    expect(restorableWindow([b1], null).problem).toMatch(/holds no segment/);
    expect(restorableWindow([b1], head({ gaplessFromSegno: 8n })).problem).toMatch(/no kept base backup ends in the archive's gapless WAL \(timeline 1, from 000000010000000000000008\)/);
    expect(restorableWindowStatus('pg1', restorableWindow([], null))).toMatchObject({ from: null, to: null, outside_backups: [] });
  });

  it('check\'s line: NO only when kept backups exist and a gap (or an unreadable archive) keeps them all from the archive\'s end', () => {
    expect(windowCheck(restorableWindow([b1, b2], head({ gaplessFromSegno: 5n })))).toEqual({ ok: true, detail: 'from 2026-12-05T21:00:00Z (backup b2) to 2026-12-05T21:14:32.869279Z on timeline 1; 1 kept backup(s) outside it restore only to their own end' });
    expect(windowCheck(restorableWindow([b1], head({ gaplessFromSegno: 8n })))).toEqual({ ok: false, detail: expect.stringMatching(/^no kept base backup ends in the archive's gapless WAL .*; take a new base backup/) });
    expect(windowCheck({ window: null, problem: 'could not read the WAL archive /x: EACCES' }).ok).toBe(false);
    // Before the first backup, or the first archived segment: nothing is missing yet.
    expect(windowCheck(restorableWindow([], head())).ok).toBe(true);
    expect(windowCheck(restorableWindow([b1], null)).ok).toBe(true);
  });
});

describe('readWaldumpOutput', () => {
  it('finds the newest commit or abort and where the valid WAL of a .partial ends', () => {
    const stdout = [
      'rmgr: Transaction len (rec/tot):     66/    66, tx:        722, lsn: 0/015004B0, prev 0/01500438, desc: COMMIT 2026-12-05 21:14:30.088049 UTC; inval msgs: catcache 21; sync',
      'rmgr: Transaction len (rec/tot):     34/    34, tx:        723, lsn: 0/015006D0, prev 0/01500630, desc: ABORT 2026-12-05 21:14:31.5 UTC',
      'rmgr: Standby     len (rec/tot):     50/    50, tx:          0, lsn: 0/02000200, prev 0/02000068, desc: RUNNING_XACTS nextXid 725',
    ].join('\n');
    const stderr = 'pg_waldump: error: error in WAL record at 0/2000200: invalid record length at 0/2000238: wanted 24, got 0';
    expect(readWaldumpOutput(stdout, stderr)).toEqual({ lastTransaction: { lsn: '0/15006D0', time: '2026-12-05T21:14:31.5Z' }, validEndLsn: '0/2000238' });
  });

  it('a complete segment ends without an error; an empty .partial has no valid record', () => {
    expect(readWaldumpOutput('', '')).toEqual({ lastTransaction: null, validEndLsn: null });
    expect(readWaldumpOutput('', 'pg_waldump: error: could not find a valid record after 0/3000000')).toEqual({ lastTransaction: null, validEndLsn: '0/3000000' });
  });
});
