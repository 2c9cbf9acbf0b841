import { describe, expect, it } from 'vitest';
import { commandNameOf } from '../../../src/cli/command-registry.js';

describe('commandNameOf', () => {
  it('finds the command after global options and their values', () => {
    expect(commandNameOf(['plan'])).toBe('plan');
    expect(commandNameOf(['-c', 'dir', 'plan', '--json'])).toBe('plan');
    expect(commandNameOf(['--state-dir', '/x', '--server', 'b1', 'run', 'nightly'])).toBe('run');
    expect(commandNameOf(['--config=dir', 'apply'])).toBe('apply');
    expect(commandNameOf(['-v', 'backup', 'now', 'x'])).toBe('backup');
  });

  it('has no command for bare help or version', () => {
    expect(commandNameOf(['--help'])).toBeUndefined();
    expect(commandNameOf(['-c', 'plan'])).toBeUndefined(); // "plan" is the config directory here
  });
});

describe('ownBundleOf', () => {
  it('starts run and backup now, and restore, from their own bundle, every other command line from the bundle of all', async () => {
    const { ownBundleOf } = await import('../../../src/cli/command-name.js');
    expect(ownBundleOf(['--state-dir', '/x', 'run', 'nightly'])).toBe('run');
    expect(ownBundleOf(['backup', 'now', 'nightly'])).toBe('run');
    expect(ownBundleOf(['restore', '3f2b', '--to-dir', '/r'])).toBe('restore');
    expect(ownBundleOf(['status'])).toBeNull();
    expect(ownBundleOf(['--help'])).toBeNull();
    expect(ownBundleOf(['-c', 'run'])).toBeNull(); // "run" is the config directory here
    expect(ownBundleOf(['constructor'])).toBeNull();
  });
});
