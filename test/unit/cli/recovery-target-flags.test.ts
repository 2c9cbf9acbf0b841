// The recovery target flags restore --to-dir and verify --restore share: parsed by commander as each command
// defines them, then read and refused by one function (src/cli/recovery-target-flags.ts).
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { addRecoveryTargetOptions, recoveryTargetOfFlags, type LatestFlag } from '../../../src/cli/recovery-target-flags.js';

function parsed(latestFlag: LatestFlag, args: string[]): ReturnType<typeof recoveryTargetOfFlags> {
  const command = addRecoveryTargetOptions(new Command('x').exitOverride(), latestFlag, 'physical backups');
  const opts = command.parse(args, { from: 'user' }).opts<Record<string, string | boolean | undefined>>();
  const latest = latestFlag === '--latest' ? opts.latest : opts.targetLatest;
  return recoveryTargetOfFlags({ ...opts, latest: latest as boolean | undefined }, latestFlag);
}

describe('recovery target flags', () => {
  it('each target, the backup\'s end by default, and a timeline with a target', () => {
    expect(parsed('--latest', [])).toEqual({ target: { kind: 'end' } });
    expect(parsed('--latest', ['--target-lsn', '0/3a000028'])).toEqual({ target: { kind: 'lsn', lsn: '0/3A000028' } });
    expect(parsed('--target-latest', ['--target-name', 'before-drop'])).toEqual({ target: { kind: 'name', name: 'before-drop' } });
    expect(parsed('--target-latest', ['--target-time', '2026-12-05T10:00:00Z', '--target-timeline', '1'])).toEqual({ target: { kind: 'time', time: '2026-12-05T10:00:00Z' }, timeline: { kind: 'number', timeline: 1 } });
    expect(parsed('--latest', ['--latest', '--target-timeline', 'current'])).toEqual({ target: { kind: 'latest' }, timeline: { kind: 'current' } });
    expect(parsed('--target-latest', ['--target-latest'])).toEqual({ target: { kind: 'latest' } });
  });

  it('refusals name the flags as the command spells them', () => {
    expect(() => parsed('--target-latest', ['--target-latest', '--target-name', 'x'])).toThrow(/^--target-name, --target-latest exclude each other: recovery stops at one target$/);
    expect(() => parsed('--latest', ['--latest', '--target-lsn', '0/1'])).toThrow(/^--target-lsn, --latest exclude each other/);
    expect(() => parsed('--latest', ['--target-lsn', 'nonsense'])).toThrow(/^--target-lsn must be an LSN like 0\/3000028, not "nonsense"$/);
    expect(() => parsed('--latest', ['--target-time', '2026-12-05 10:00'])).toThrow(/^--target-time must be an ISO 8601 instant with its offset/);
    expect(() => parsed('--latest', ['--target-name', 'x'.repeat(64)])).toThrow(/^--target-name must be a restore point name of 1 to 63 characters$/);
    expect(() => parsed('--target-latest', ['--target-timeline', '1'])).toThrow(/^--target-timeline needs a recovery target \(--target-time, --target-lsn, --target-name, --target-latest\)/);
    expect(() => parsed('--latest', ['--latest', '--target-timeline', '0'])).toThrow(/^--target-timeline must be latest, current or a timeline number/);
  });
});
