// Recovery's progress read from the restored server's log (src/core/restore/recovery-progress.ts): the
// furthest of where redo started, the segments restored from the archive and where redo ended, in bytes of
// WAL since the backup's start, against the target's LSN when there is one.
import { describe, expect, it } from 'vitest';
import { recoveryProgress } from '../../../src/core/restore/recovery-progress.js';

const MiB = 1024 * 1024;
const SEG = 16 * MiB;

describe('recoveryProgress', () => {
  it('nothing reached before redo starts', () => {
    expect(recoveryProgress('LOG:  starting PostgreSQL 15.13\n', '0/2000028', '0/9000000', SEG)).toEqual({ reached: null, bytes: null, total: 0x7000000 - 0x28 });
  });

  it('the start of the newest segment restored from the archive, in bytes since the backup\'s start', () => {
    const log = [
      'LOG:  redo starts at 0/2000028',
      'LOG:  restored log file "000000010000000000000003" from archive',
      'LOG:  restored log file "000000010000000000000005" from archive',
      'LOG:  restored log file "000000010000000000000004" from archive',
    ].join('\n');
    expect(recoveryProgress(log, '0/2000028', '0/9000000', SEG)).toEqual({ reached: '0/5000000', bytes: 0x3000000 - 0x28, total: 0x7000000 - 0x28 });
  });

  it('where redo ended, once it did; no total for a target without an LSN', () => {
    const log = 'LOG:  redo starts at 0/2000028\nLOG:  restored log file "000000010000000000000006" from archive\nLOG:  redo done at 0/6000F10 system usage: ...';
    expect(recoveryProgress(log, '0/2000028', null, SEG)).toEqual({ reached: '0/6000F10', bytes: 0x4000F10 - 0x28, total: null });
  });

  it('segment numbers follow the cluster\'s segment size; an unknown start gives the position only', () => {
    const log = 'LOG:  restored log file "000000010000000100000002" from archive';
    // 64 MiB segments: 64 per log id, so 1/2 is segment 66 at 1/8000000.
    expect(recoveryProgress(log, null, '2/0', 64 * MiB)).toEqual({ reached: '1/8000000', bytes: null, total: null });
  });
});

describe('recoveryProgress near the target', () => {
  it('a segment fetched ahead of replay past the target counts as the target at most', () => {
    const log = 'LOG:  redo starts at 0/E000028\nLOG:  restored log file "00000001000000000000000F" from archive';
    expect(recoveryProgress(log, '0/E000028', '0/E026BB8', SEG)).toEqual({ reached: '0/E026BB8', bytes: 0x26BB8 - 0x28, total: 0x26BB8 - 0x28 });
  });
});
