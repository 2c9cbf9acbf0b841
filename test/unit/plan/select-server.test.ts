// Which server's schedule a process manages, removed servers included (their schedule must be emptied).
import { describe, expect, it } from 'vitest';
import type { BackupServerSpec } from '../../../src/core/model.js';
import { selectServer, type ServerCandidate } from '../../../src/core/select-server.js';

function candidate(name: string, removed?: string): ServerCandidate {
  const spec = { host: `${name}.example.org`, backupRoot: '/srv', scheduler: { type: 'cron.d' }, timezone: 'UTC' } as BackupServerSpec;
  return removed === undefined ? { name, spec } : { name, spec, removed };
}

describe('selectServer', () => {
  const live = candidate('backup02');
  const gone = candidate('backup01', 'removed from the configuration: its schedule is emptied');

  it('takes a removed server by name, and says it was removed', () => {
    expect(selectServer([live, gone], 'backup01', ['ci'])).toEqual({ server: 'backup01', how: '--server; removed from the configuration: its schedule is emptied', removed: gone.removed });
  });

  it('takes a removed server by host on its own machine, but never as "the only one"', () => {
    expect(selectServer([live, gone], undefined, ['backup01.example.org'])).toMatchObject({ server: 'backup01', removed: gone.removed });
    expect(selectServer([live, gone], undefined, ['ci'])).toEqual({ server: 'backup02', how: 'the only BackupServer' });
    expect(selectServer([gone], undefined, ['ci'])).toMatchObject({ server: null });
  });

  it('prefers a configured server of this host to a removed one of the same host (renamed in place)', () => {
    const renamed = { ...candidate('backup03'), spec: gone.spec };
    expect(selectServer([renamed, gone, live], undefined, ['backup01.example.org'])).toEqual({ server: 'backup03', how: 'host backup01.example.org is this machine' });
  });

  it('still refuses a name nobody knows, listing the configured servers', () => {
    expect(selectServer([live, gone], 'nope', ['ci'])).toEqual({ error: '--server nope: no BackupServer of that name in the configuration (have: backup02)' });
  });
});
