// Timelines in the WAL archive, decided from plain facts: history files, which timeline a restore ends on, the
// segments of each timeline it reads, the plan's refusals, the restorable window and WAL retention across them.
import { describe, expect, it } from 'vitest';
import { planDirectoryRestore, type DirectoryRestoreFacts } from '../../../src/core/methods/basebackup/directory-restore-plan.js';
import type { BasebackupFacts } from '../../../src/core/methods/basebackup/facts.js';
import { summariseArchive } from '../../../src/core/wal/archive-range.js';
import { restorableWindow, type ArchiveHead } from '../../../src/core/wal/restorable-window.js';
import { historyFileName, parseTimelineHistory, pathRange, recoveryPath, resolveTargetTimeline, type TimelineHistories } from '../../../src/core/wal/timeline-history.js';
import { selectWalToRemove } from '../../../src/core/wal/wal-retention.js';
import { walSegmentName } from '../../../src/core/wal/wal-segment.js';

const SEG = 16 * 1024 * 1024;
const seg = (tl: number, n: number) => walSegmentName(tl, BigInt(n), SEG);
const at = (n: number) => Date.parse('2026-12-05T10:00:00Z') + n * 60_000;
// Timeline 2 began at 0/5000200 (a PITR or failover on timeline 1); timeline 3 at 0/7000000 on timeline 2.
const H2 = '1\t0/5000200\tno recovery target specified\n';
const H3 = `${H2}\n# a comment\n2\t0/7000000\tbefore 2026-12-05 10:06:00+00\n`;
const histories = (...files: Array<[number, string]>): TimelineHistories => new Map(files.map(([tl, text]) => [tl, parseTimelineHistory(text)]));

/** An archive as a promotion leaves it: timeline 1 up to the switch (its last segment as .partial), then timeline 2. */
function archive(names: string[]) {
  return summariseArchive(names.map((name, i) => ({ name, mtimeMs: at(i) })), SEG);
}
const FAILED_OVER = [seg(1, 3), seg(1, 4), `${seg(1, 5)}.partial`, '00000002.history', seg(2, 5), seg(2, 6), seg(2, 7)];

describe('history files and the path recovery follows', () => {
  it('parses PostgreSQL\'s history format; refuses a line it cannot read', () => {
    expect(parseTimelineHistory(H3)).toEqual([
      { parent: 1, switchLsn: '0/5000200', reason: 'no recovery target specified' },
      { parent: 2, switchLsn: '0/7000000', reason: 'before 2026-12-05 10:06:00+00' },
    ]);
    expect(() => parseTimelineHistory('1 nonsense')).toThrow(/not a timeline history line/);
    expect(historyFileName(26)).toBe('0000001A.history');
  });

  it('latest is the newest timeline reached through consecutive history files, as PostgreSQL finds it', () => {
    expect(resolveTargetTimeline({ kind: 'latest' }, 1, archive(FAILED_OVER))).toMatchObject({ timeline: 2, problem: null });
    expect(resolveTargetTimeline({ kind: 'current' }, 1, archive(FAILED_OVER))).toMatchObject({ timeline: 1 });
    expect(resolveTargetTimeline({ kind: 'number', timeline: 3 }, 1, archive(FAILED_OVER))).toMatchObject({ timeline: 3 });
    // Timeline 2's WAL is there but its history file is not: PostgreSQL would stay on 1 without a word.
    const noHistory = archive(FAILED_OVER.filter((n) => !n.endsWith('.history')));
    expect(resolveTargetTimeline({ kind: 'latest' }, 1, noHistory)).toMatchObject({ timeline: null, problem: expect.stringMatching(/holds timeline 2, but not 00000002\.history/) });
    expect(resolveTargetTimeline({ kind: 'latest' }, 1, archive([seg(1, 3), '00000002.history', '00000004.history']))).toMatchObject({ problem: expect.stringMatching(/holds timeline 4, but not 00000003\.history/) });
  });

  it('reads each timeline up to the segment before the one holding its switch point, then the next', () => {
    const backup = { timeline: 1, stopLsn: '0/3000100' };
    expect(recoveryPath(histories([2, H2], [3, H3]), backup, 3, SEG)).toEqual({
      problem: null,
      legs: [
        { timeline: 1, fromSegno: 3n, toSegno: 4n, switchLsn: '0/5000200' },
        { timeline: 2, fromSegno: 5n, toSegno: 6n, switchLsn: '0/7000000' },
        { timeline: 3, fromSegno: 7n, toSegno: null, switchLsn: null },
      ],
    });
    expect(recoveryPath(histories(), backup, 2, SEG).problem).toMatch(/no 00000002\.history/);
    expect(recoveryPath(histories([2, H2]), { timeline: 1, stopLsn: '0/6000000' }, 2, SEG).problem).toMatch(/ends at 0\/6000000 on timeline 1, after timeline 2 branched off it at 0\/5000200/);
    expect(recoveryPath(histories([3, '1\t0/4000000\tx\n']), { timeline: 2, stopLsn: '0/6000000' }, 3, SEG).problem).toMatch(/timeline 3 does not descend from the backup's timeline 2/);
    expect(recoveryPath(histories(), { timeline: 2, stopLsn: '0/6000000' }, 1, SEG).problem).toMatch(/older than the backup's timeline/);
  });

  it('the gapless run along the path; a missing segment of the older timeline stops it there', () => {
    const legs = recoveryPath(histories([2, H2]), { timeline: 1, stopLsn: '0/3000100' }, 2, SEG).legs!;
    expect(pathRange(archive(FAILED_OVER), legs, SEG)).toMatchObject({ timeline: 2, from: 3n, to: 7n, onTarget: true, missing: [] });
    const gap = pathRange(archive(FAILED_OVER.filter((n) => n !== seg(1, 4))), legs, SEG);
    expect(gap).toMatchObject({ to: 3n, onTarget: false, missing: [seg(1, 4)] });
    expect(pathRange(archive(FAILED_OVER.filter((n) => n !== seg(2, 6))), legs, SEG)).toMatchObject({ to: 5n, onTarget: true, missing: [seg(2, 6)] });
  });
});

describe('the restore plan across timelines', () => {
  const facts: BasebackupFacts = {
    startLsn: '0/2000028', stopLsn: '0/3000100', timeline: 1, startWal: seg(1, 2), stopWal: seg(1, 3), systemIdentifier: '1', walSegmentSize: SEG,
    startTime: '2026-12-05T10:01:00.000Z', endTime: '2026-12-05T10:02:00.000Z', pgBasebackupVersion: '15.1', compression: { method: 'gzip' }, checkpoint: 'fast',
    baseBytes: 1, walBytes: 1, durationMs: 1, manifestCheck: 'pg_verifybackup 15.1',
  };
  function input(names: string[], extra: Partial<DirectoryRestoreFacts> = {}): DirectoryRestoreFacts {
    const summary = archive(names);
    return {
      backup: { id: 'b1', node: 'pg1', definition: 'phys', status: 'succeeded', serverVersion: '15.1', facts },
      toDir: '/r/x', toDirState: { kind: 'absent', parentExists: true }, fileProblems: [], archiveDir: '/a', archive: summary,
      histories: names.includes('00000002.history') ? histories([2, H2]) : histories(),
      pgCtl: { path: '/pg/bin/pg_ctl', version: '15.2', major: 15 }, start: null, ...extra,
    };
  }
  const head: ArchiveHead = {
    timeline: 2, segmentSize: SEG, newestSegno: 7n, gaplessFromSegno: 5n, partial: false, endLsn: '0/8000000',
    lastTransaction: { lsn: '0/7000100', time: '2026-12-05T10:06:30Z' }, readFromSegno: 7n, newestWriteMs: at(7), unreadable: null,
  };

  it('by default (latest) a backup of timeline 1 recovers to a time on timeline 2, through its history', () => {
    const plan = planDirectoryRestore(input(FAILED_OVER, { head }), { kind: 'time', time: '2026-12-05T10:06:00Z' });
    expect(plan.refusals).toEqual([]);
    expect(plan.timeline).toEqual({ asked: 'latest', timeline: 2, path: [1, 2] });
    expect(plan.recoverableWindow).toEqual({ from: facts.endTime, to: '2026-12-05T10:06:30Z' });
    expect(plan.checks.find((c) => c.what === 'timeline')?.detail).toMatch(/follows timeline 1 until 0\/5000200, then timeline 2/);
    expect(plan.steps.join('\n')).toContain('recovery_target_timeline = 2 (through timelines 1, 2)');
  });

  it('--target-timeline 1 stays on the backup\'s timeline; the backup\'s end never needs a timeline', () => {
    const plan = planDirectoryRestore(input(FAILED_OVER, { targetTimeline: { kind: 'number', timeline: 1 } }), { kind: 'latest' });
    expect(plan.refusals).toEqual([]);
    expect(plan.timeline).toEqual({ asked: '1', timeline: 1, path: [1] });
    const end = planDirectoryRestore(input(FAILED_OVER.filter((n) => !n.endsWith('.history'))), { kind: 'end' });
    expect([end.refusals, end.timeline]).toEqual([[], undefined]);
  });

  it('refuses: a gap on the older timeline (named), a missing history file, a timeline not on the backup\'s line, a history it cannot read', () => {
    expect(planDirectoryRestore(input(FAILED_OVER.filter((n) => n !== seg(1, 4))), { kind: 'latest' }).refusals.join()).toContain(`the archive is missing ${seg(1, 4)}`);
    expect(planDirectoryRestore(input(FAILED_OVER.filter((n) => !n.endsWith('.history'))), { kind: 'latest' }).refusals.join()).toMatch(/not 00000002\.history/);
    expect(planDirectoryRestore(input(FAILED_OVER, { targetTimeline: { kind: 'number', timeline: 5 } }), { kind: 'latest' }).refusals.join()).toMatch(/no 00000005\.history/);
    const after = { ...input(FAILED_OVER), backup: { ...input(FAILED_OVER).backup, facts: { ...facts, stopLsn: '0/6000100' } } };
    expect(planDirectoryRestore(after, { kind: 'latest' }).refusals.join()).toMatch(/after timeline 2 branched off it at 0\/5000200/);
    expect(planDirectoryRestore(input(FAILED_OVER, { historyProblems: ['00000002.history: EACCES'] }), { kind: 'latest' }).refusals.join()).toMatch(/timeline history cannot be read: 00000002\.history: EACCES/);
    // An LSN on the older timeline is reachable without timeline 2's segments.
    expect(planDirectoryRestore(input(FAILED_OVER.filter((n) => !n.startsWith('00000002000'))), { kind: 'lsn', lsn: '0/4000100' }).refusals).toEqual([]);
  });
});

describe('the restorable window and WAL retention across timelines', () => {
  const b1 = { id: 'tl1', timeline: 1, stopLsn: '0/3000100', endTime: '2026-12-05T10:02:00Z' };
  const head: ArchiveHead = {
    timeline: 2, segmentSize: SEG, newestSegno: 7n, gaplessFromSegno: 5n, partial: false, endLsn: '0/8000000',
    lastTransaction: { lsn: '0/7000100', time: '2026-12-05T10:06:30Z' }, readFromSegno: 7n, newestWriteMs: at(7), unreadable: null,
  };

  it('a backup of timeline 1 starts the window on timeline 2 when the history and its segments are there', () => {
    const v = restorableWindow([b1], head, { summary: archive(FAILED_OVER), histories: histories([2, H2]) });
    expect(v.window).toMatchObject({ from: b1.endTime, fromBackup: 'tl1', to: '2026-12-05T10:06:30Z', timeline: 2, outside: [] });
    // Without the history file, or with timeline 1's part incomplete, it restores only to its own end.
    expect(restorableWindow([b1], head, { summary: archive(FAILED_OVER), histories: histories() }).problem).toMatch(/no kept base backup ends in the archive's gapless WAL \(timeline 2/);
    expect(restorableWindow([b1], head, { summary: archive(FAILED_OVER.filter((n) => n !== seg(1, 4))), histories: histories([2, H2]) }).window).toBeNull();
  });

  it('retention keeps every history file and the older timeline\'s segments a kept backup\'s path needs', () => {
    const files = [seg(1, 1), seg(1, 2), ...FAILED_OVER];
    const choice = selectWalToRemove(files, [{ runId: 'tl1', facts: { startWal: seg(1, 3) } }], SEG);
    expect(choice.remove).toEqual([seg(1, 1), seg(1, 2)]);
    expect(files.filter((f) => !choice.remove.includes(f))).toEqual(FAILED_OVER);
  });
});
