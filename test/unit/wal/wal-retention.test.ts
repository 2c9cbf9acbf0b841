// Which WAL files retention removes, the receiver's backoff, and when an archive is Failing: pure decisions.
import { describe, expect, it } from 'vitest';
import { selectWalToRemove, startSegmentOf } from '../../../src/core/wal/wal-retention.js';
import { failuresAfterRun, restartDelayMs } from '../../../src/core/wal/receiver-backoff.js';
import { lagSecondsOf, walArchiveHealth, type WalReceiverReport } from '../../../src/core/wal/wal-archive-health.js';
import { receiverArgv } from '../../../src/core/wal/receiver-argv.js';

const archive = [
  '00000001.history', '000000010000000000000001', '000000010000000000000002.gz', '000000010000000000000003',
  '000000010000000000000003.00000028.backup', '000000020000000000000004', '00000002.history', '000000020000000000000005',
  '000000020000000000000006.partial', 'stray.tmp', '.pgbackops-receiver.lock',
];

describe('WAL retention', () => {
  it('removes the complete segments before the oldest kept start segment, of any timeline, oldest first', () => {
    const choice = selectWalToRemove(archive, [
      { runId: 'new', facts: { startLsn: '0/5000028', timeline: 2 } },
      { runId: 'old', facts: { startWal: '000000020000000000000004' } },
    ]);
    expect(choice.remove).toEqual(['000000010000000000000001', '000000010000000000000002.gz', '000000010000000000000003']);
    expect(choice.keepFrom).toBe('000000020000000000000004');
  });

  it('never removes the .partial being written, history files or names it does not know', () => {
    const choice = selectWalToRemove(archive, [{ runId: 'r', facts: { startLsn: '0/FF000000', timeline: 2 } }]);
    expect(choice.remove).not.toContain('000000020000000000000006.partial');
    expect(choice.remove.filter((n) => n.endsWith('.history') || n === 'stray.tmp' || n.startsWith('.'))).toEqual([]);
    expect(choice.remove).toHaveLength(5);
  });

  it('removes nothing without a kept base backup, or when one lacks the facts to place it, and says so', () => {
    expect(selectWalToRemove(archive, [])).toMatchObject({ remove: [], keepFrom: null, note: expect.stringMatching(/no kept base backup/) });
    const unknown = selectWalToRemove(archive, [{ runId: 'a', facts: { startLsn: '0/5000028', timeline: 2 } }, { runId: 'running', facts: null }]);
    expect(unknown).toMatchObject({ remove: [], keepFrom: null, note: expect.stringMatching(/running has no start segment.*every WAL file is kept/) });
    expect(startSegmentOf({ startLsn: 'nonsense', timeline: 1 })).toBeNull();
    expect(startSegmentOf({ startLsn: '0/5000028' })).toBeNull();
  });

  it('counts segments in the WAL segment size the runs recorded (a 64 MiB cluster), and keeps everything when two differ', () => {
    const MiB64 = 64 * 1024 * 1024;
    const files = ['000000010000000000000001', '000000010000000000000002', '000000010000000000000003', '000000010000000000000004.partial'];
    // 0/8000028 is in segment 2 of 64 MiB (in 16 MiB steps it would be segment 8: every segment here removed).
    const facts = { startLsn: '0/8000028', timeline: 1, startWal: '000000010000000000000002', walSegmentSize: MiB64 };
    expect(selectWalToRemove(files, [{ runId: 'b', facts }])).toMatchObject({ remove: ['000000010000000000000001'], keepFrom: '000000010000000000000002' });
    const { startWal: _, ...withoutName } = facts;
    expect(selectWalToRemove(files, [{ runId: 'b', facts: withoutName }])).toMatchObject({ remove: ['000000010000000000000001'], keepFrom: '000000010000000000000002' });
    // Past the first 4 GiB the names differ too: log id 1, segment 1 of 64 MiB is LSN 1/4000000.
    expect(startSegmentOf({ startLsn: '1/4000028', timeline: 1 }, MiB64)).toEqual({ timeline: 1, segno: 65n });
    const mixed = selectWalToRemove(files, [{ runId: 'b', facts }, { runId: 'c', facts: { ...facts, walSegmentSize: 16 * 1024 * 1024 } }]);
    expect(mixed).toMatchObject({ remove: [], keepFrom: null, note: expect.stringMatching(/different WAL segment sizes: every WAL file is kept/) });
  });
});

describe('receiver backoff', () => {
  it('doubles from 1 s to a 60 s cap, and a stable run starts over', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 50].map((f) => restartDelayMs(f))).toEqual([1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000]);
    expect(failuresAfterRun(6, 5_000)).toBe(7);
    expect(failuresAfterRun(6, 120_000)).toBe(1);
  });
});

describe('archive health', () => {
  const spec = { enabled: true, slot: 's', compression: 'none' as const, maxSlotRetainedBytes: 1000 };
  const report = (over: Partial<WalReceiverReport> = {}): WalReceiverReport => ({
    node: 'n', server: 'b', slot: 's', state: 'running', receiverPid: 1, startedAt: 0, heartbeatAt: 100_000, restarts: 0, lastError: null, lastErrorAt: null,
    nodeLsn: '0/100', receivedLsn: '0/100', receivedAt: 99_000, lagBytes: 0, lagSeconds: 0, slotRetainedBytes: 10, slotWalStatus: 'reserved', ...over,
  });
  it('is healthy while the receiver runs and reports, and the slot keeps little', () => {
    expect(walArchiveHealth('n', spec, report(), 101_000)).toMatchObject({ state: 'running', failing: false, reasons: [] });
  });
  it.each([
    ['no report', null, /no WAL receiver has reported/],
    ['a silent supervisor', report({ heartbeatAt: 1_000 }), /has not reported since/],
    ['a restarting receiver', report({ state: 'restarting', lastError: 'could not connect' }), /is restarting: could not connect/],
    ['a stopped receiver', report({ state: 'stopped' }), /is stopped/],
    ['a slot over the threshold', report({ slotRetainedBytes: 5000 }), /keeps 5000 bytes .* above maxSlotRetainedBytes \(1000\)/],
    ['a lost slot', report({ slotWalStatus: 'lost' }), /wal_status is lost/],
  ])('fails with %s', (_, r, reason) => {
    const h = walArchiveHealth('n', spec, r, 101_000);
    expect(h.failing).toBe(true);
    expect(h.reasons.join('; ')).toMatch(reason);
  });
  it('is not judged when disabled', () => {
    expect(walArchiveHealth('n', { ...spec, enabled: false }, null, 0)).toMatchObject({ state: 'disabled', failing: false });
  });
  it('lag in seconds: 0 caught up, else since it last was', () => {
    expect(lagSecondsOf(100n, 100n, 5_000, 0, 9_000)).toBe(0);
    expect(lagSecondsOf(200n, 100n, 5_000, 0, 9_000)).toBe(4);
    expect(lagSecondsOf(200n, null, null, 1_000, 9_000)).toBe(8);
    expect(lagSecondsOf(null, 100n, null, 0, 9_000)).toBeNull();
  });
});

describe('pg_receivewal argv', () => {
  it('streams synchronously, without its own loop or a password prompt, compressed as asked', () => {
    expect(receiverArgv({ directory: '/a', slot: 's', compression: 'lz4', major: 15 })).toEqual(['--directory=/a', '--slot=s', '--synchronous', '--no-loop', '--no-password', '--compress=lz4']);
    expect(receiverArgv({ directory: '/a', slot: 's', compression: 'none', major: 15 })).not.toContainEqual(expect.stringMatching(/compress/));
    expect(() => receiverArgv({ directory: '/a', slot: 's', compression: 'lz4', major: 14 })).toThrow(/PostgreSQL 15/);
  });
});
