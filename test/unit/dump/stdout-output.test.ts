import { describe, expect, it } from 'vitest';
import { STDOUT, buildDumpCommand } from '../../../src/core/dump/dump-command.js';
import { backup } from './fixtures.js';

const node = { host: '/run/pg', port: 5432, user: 'postgres', maintenanceDatabase: 'postgres', status: 'running' as const, backupServer: 'b' };

describe('dumping to standard output (streamed and hashed by the job)', () => {
  it('leaves out --file for custom and plain dumps and for pg_dumpall', () => {
    expect(buildDumpCommand(backup({ format: 'custom' }), node, 'app', STDOUT, 15).args.some((a) => a.startsWith('--file'))).toBe(false);
    const cluster = backup({ type: 'cluster', databases: 'all', format: 'plain', compression: { method: 'none' } });
    expect(buildDumpCommand(cluster, node, null, STDOUT, 15).args.some((a) => a.startsWith('--file'))).toBe(false);
    expect(buildDumpCommand(backup({ format: 'custom' }), node, 'app', '/x/dump', 15).args).toContain('--file=/x/dump');
  });

  it('refuses a directory-format dump to standard output', () => {
    expect(() => buildDumpCommand(backup({ format: 'directory', jobs: 2 }), node, 'app', STDOUT, 15)).toThrow(/cannot be written to standard output/);
  });

  it('still refuses extra arguments that would redirect the output', () => {
    expect(() => buildDumpCommand(backup({ format: 'custom', extraArgs: ['--file=/tmp/x'] }), node, 'app', STDOUT, 15)).toThrow();
  });
});
