// The fields of a physical restore that the CLI's flags and a Restore's spec share: one reading, so the flag and
// the field give the same request and the same refusal, each worded with its own name.
import { describe, expect, it } from 'vitest';
import { flagOf } from '../../../src/cli/flag-values.js';
import { directoryRestoreFieldProblems, directoryRestoreOptionsOf } from '../../../src/core/restore/physical-restore-fields.js';

const asField = (f: string) => f;

describe('targetTimeline and tablespaceMap', () => {
  it('a Restore\'s mapping and the CLI\'s OLD=NEW pairs make the same request (slashes trimmed, timeline parsed)', () => {
    const spec = directoryRestoreOptionsOf({ toDir: '/r/x', latest: true, targetTimeline: '2', tablespaceMap: { '/srv/ts/': '/r/ts/' } });
    const flags = directoryRestoreOptionsOf({ toDir: '/r/x', latest: true, targetTimeline: '2', tablespaceMap: [['/srv/ts', '/r/ts']] });
    expect(spec).toEqual(flags);
    expect(spec).toEqual({ toDir: '/r/x', target: { kind: 'latest' }, timeline: { kind: 'number', timeline: 2 }, tablespaceMap: [{ from: '/srv/ts', to: '/r/ts' }] });
    expect(directoryRestoreOptionsOf({ toDir: '/r/x', targetLsn: '0/3000028', targetTimeline: 'current', start: true, port: 5499 }))
      .toEqual({ toDir: '/r/x', target: { kind: 'lsn', lsn: '0/3000028' }, timeline: { kind: 'current' }, start: { port: 5499 } });
  });

  it('the same problems, named as flags or as fields', () => {
    const fields = { toDir: '/r/x', targetTimeline: '0', tablespaceMap: [['ts', '/r/a'], ['/srv/b', '/r/b'], ['/srv/b/', '/r/c']] as Array<[string, string]> };
    expect(directoryRestoreFieldProblems(fields, flagOf).map((p) => p.message)).toEqual([
      '--target-timeline must be latest, current or a timeline number (1, 2, ...), not "0"',
      '--tablespace-map ts=/r/a: both locations must be absolute paths',
      '--tablespace-map names /srv/b twice',
    ]);
    expect(directoryRestoreFieldProblems(fields, asField).map((p) => [p.field, p.key, p.on])).toEqual([
      ['targetTimeline', undefined, undefined], ['tablespaceMap', 'ts', 'key'], ['tablespaceMap', '/srv/b/', 'key'],
    ]);
    expect(directoryRestoreFieldProblems({ toDir: '/r/x', targetTimeline: '4294967296', latest: true }, asField)[0]?.message).toMatch(/^targetTimeline must be latest, current or a timeline number/);
    expect(directoryRestoreFieldProblems({ toDir: '/r/x', targetTimeline: 'latest' }, flagOf)[0]?.message)
      .toBe("--target-timeline needs a recovery target (--target-time, --target-lsn, --target-name, --latest): the backup's end is on the backup's own timeline");
    expect(directoryRestoreFieldProblems({ toDir: '/r/x', targetTimeline: '4294967295', latest: true, tablespaceMap: { '/a': '/b' } }, asField)).toEqual([]);
  });

  it('tablespaceMapAll (--tablespace-map-all DIR): an absolute directory outside toDir, every other tablespace under DIR/<OID>', () => {
    expect(directoryRestoreOptionsOf({ toDir: '/r/x', latest: true, tablespaceMap: { '/srv/ts': '/r/ts' }, tablespaceMapAll: '/r/spaces/' }))
      .toEqual({ toDir: '/r/x', target: { kind: 'latest' }, tablespaceMap: [{ from: '/srv/ts', to: '/r/ts' }], tablespacesUnder: '/r/spaces' });
    const problems = (all: string) => directoryRestoreFieldProblems({ toDir: '/r/x', tablespaceMapAll: all }, flagOf).map((p) => p.message);
    expect(problems('/r/spaces')).toEqual([]);
    expect(problems('spaces')).toEqual(['--tablespace-map-all must be an absolute directory other than /, under which each tablespace goes into a directory named by its OID, not "spaces"']);
    expect(problems('/')).toHaveLength(1);
    expect(problems('/r/x/ts')).toEqual(['--tablespace-map-all /r/x/ts is inside the data directory /r/x: tablespaces go outside it']);
    expect(problems('/r/x')).toHaveLength(1);
    // DIR/<OID> beside the data directory: each tablespace's directory is checked by the plan.
    expect(problems('/r')).toEqual([]);
    expect(directoryRestoreFieldProblems({ toDir: '/r/x', tablespaceMapAll: 'ts' }, asField).map((p) => p.field)).toEqual(['tablespaceMapAll']);
  });
});
