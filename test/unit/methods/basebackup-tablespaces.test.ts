// Tablespaces of a base backup restored into a directory, decided from plain facts: tablespace_map's format,
// --tablespace-map's, and the plan's refusals.
import { describe, expect, it } from 'vitest';
import { planDirectoryRestore, type DirectoryRestoreFacts, type TablespacePlacement } from '../../../src/core/methods/basebackup/directory-restore-plan.js';
import { parseTablespaceMap, parseTablespaceMapping, renderTablespaceMap } from '../../../src/core/methods/basebackup/tablespace-map.js';
import { summariseArchive } from '../../../src/core/wal/archive-range.js';
import type { BasebackupFacts } from '../../../src/core/methods/basebackup/facts.js';

describe('tablespace_map and --tablespace-map', () => {
  it('reads and writes PostgreSQL\'s escapes (a backslash before newline, carriage return and backslash)', () => {
    const text = '16384 /srv/ts one\n16390 /srv/odd\\\nname\\\\x\n';
    const entries = parseTablespaceMap(text);
    expect(entries).toEqual([{ oid: '16384', location: '/srv/ts one' }, { oid: '16390', location: '/srv/odd\nname\\x' }]);
    expect(renderTablespaceMap(entries)).toBe(text);
    expect(() => parseTablespaceMap('nonsense\n')).toThrow(/not a tablespace_map line/);
  });

  it('OLD=NEW, absolute, trailing slashes dropped, \\= for an = in a path', () => {
    expect(parseTablespaceMapping('/srv/ts/=/r/ts')).toEqual({ from: '/srv/ts', to: '/r/ts' });
    expect(parseTablespaceMapping('/srv/a\\=b=/r/x')).toEqual({ from: '/srv/a=b', to: '/r/x' });
    expect(parseTablespaceMapping('/srv/ts')).toMatchObject({ error: expect.stringMatching(/takes OLD=NEW/) });
    expect(parseTablespaceMapping('ts=/r/x')).toMatchObject({ error: expect.stringMatching(/absolute/) });
  });
});

describe('the plan of a backup with tablespaces', () => {
  const facts: BasebackupFacts = {
    startLsn: '0/2000028', stopLsn: '0/3000100', timeline: 1, startWal: '000000010000000000000002', stopWal: '000000010000000000000003', systemIdentifier: '1',
    walSegmentSize: 16 * 1024 * 1024, startTime: '2026-12-05T10:01:00.000Z', endTime: '2026-12-05T10:02:00.000Z', pgBasebackupVersion: '15.1',
    compression: { method: 'gzip' }, checkpoint: 'fast', baseBytes: 1, walBytes: 1, durationMs: 1, manifestCheck: 'pg_verifybackup 15.1',
  };
  function input(tablespaces: TablespacePlacement[], unknown: string[] = []): DirectoryRestoreFacts {
    return {
      backup: { id: 'b1', node: 'pg1', definition: 'phys', status: 'succeeded', serverVersion: '15.1', facts },
      toDir: '/r/data', toDirState: { kind: 'absent', parentExists: true }, fileProblems: [], archiveDir: '/a', archive: summariseArchive([]),
      pgCtl: { path: '/pg/bin/pg_ctl', version: '15.2', major: 15 }, start: null, tablespaces, unknownTablespaceMappings: unknown,
    };
  }
  const space = (over: Partial<TablespacePlacement> = {}): TablespacePlacement => ({ oid: '16384', source: '16384.tar.gz', location: '/srv/ts', to: '/r/ts', toState: { kind: 'absent', parentExists: true }, ...over });
  const refusals = (facts: DirectoryRestoreFacts) => planDirectoryRestore(facts, { kind: 'end' }).refusals.join('\n');

  it('every tablespace placed in a new or empty directory: planned, with a step per tablespace', () => {
    const plan = planDirectoryRestore(input([space(), space({ oid: '16390', tar: '16390.tar.gz', location: '/srv/t2', to: '/r/t2', toState: { kind: 'empty-directory' } })]), { kind: 'end' });
    expect(plan.checks.find((c) => c.what === 'tablespaces')).toEqual({ what: 'tablespaces', ok: true, detail: '16384 from /srv/ts to /r/ts (created), 16390 from /srv/t2 to /r/t2 (empty)' });
    expect(plan.steps.join('\n')).toContain('extract 16384.tar.gz into /r/ts (mode 0700) and write it into tablespace_map');
  });

  it('refuses: a tablespace without a location (listed), an OLD that is no tablespace, a non-empty or overlapping or shared target', () => {
    expect(refusals(input([space({ to: null, toState: null })]))).toContain('the backup holds tablespaces that need a new location: 16384 at /srv/ts (16384.tar.gz); give --tablespace-map OLD=NEW for each');
    expect(refusals(input([space()], ['/srv/other']))).toContain('--tablespace-map names /srv/other, which is no tablespace of the backup (it has: /srv/ts)');
    expect(refusals(input([space({ toState: { kind: 'not-empty', entries: 3 } })]))).toContain('/r/ts (for tablespace 16384) is not empty (3 entries)');
    expect(refusals(input([space({ to: '/r/data/ts' })]))).toContain('overlaps the data directory /r/data');
    expect(refusals(input([space(), space({ oid: '16390', tar: '16390.tar.gz', location: '/srv/t2' })]))).toContain('two tablespaces cannot share /r/ts');
  });
});
