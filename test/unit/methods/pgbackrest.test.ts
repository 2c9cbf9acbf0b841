// The pgbackrest method's pure parts: reading `pgbackrest info`, the dependencies between its backups and
// retention keeping them, the owned configuration file and its drift, restore refusals, archive_command.
import { describe, expect, it } from 'vitest';
import { archiveCommandProblem, wantedArchiveCommand } from '../../../src/core/methods/pgbackrest/archive-command.js';
import { configFileChange, pgbackrestPaths, renderPgbackrestConfig } from '../../../src/core/methods/pgbackrest/config-file.js';
import { backupTakenSince, parseStanzaInfo } from '../../../src/core/methods/pgbackrest/info.js';
import { planPgbackrestRestore, postgresTimestamp } from '../../../src/core/methods/pgbackrest/restore-plan.js';
import { priorDependencies } from '../../../src/core/methods/pgbackrest/rules.js';
import { emptyPgbackrestFacts, type PgbackrestRunFacts } from '../../../src/core/methods/pgbackrest/run-facts.js';
import { neededByKept } from '../../../src/core/methods/retention-dependencies.js';

// What pgBackRest 2.45 printed on this machine for full -> diff -> incr (trimmed to one stanza).
const MiB = 1024 * 1024;
const INFO = `[{"archive":[{"database":{"id":1,"repo-key":1},"id":"15-1","max":"000000010000000000000007","min":"000000010000000000000001"}],"backup":[{"archive":{"start":"000000010000000000000002","stop":"000000010000000000000003"},"backrest":{"format":5,"version":"2.45"},"database":{"id":1,"repo-key":1},"error":false,"info":{"delta":22992575,"repository":{"delta":3043469,"size":3043469},"size":22992575},"label":"20261205-185001F","lsn":{"start":"0/2000028","stop":"0/3000088"},"prior":null,"reference":null,"timestamp":{"start":1796496601,"stop":1796496616},"type":"full"},{"archive":{"start":"000000010000000000000004","stop":"000000010000000000000005"},"backrest":{"format":5,"version":"2.45"},"database":{"id":1,"repo-key":1},"error":false,"info":{"delta":8458,"repository":{"delta":431,"size":3043468},"size":22992575},"label":"20261205-185001F_20261205-185018D","lsn":{"start":"0/4000028","stop":"0/5000050"},"prior":"20261205-185001F","reference":["20261205-185001F"],"timestamp":{"start":1796496618,"stop":1796496620},"type":"diff"},{"archive":{"start":"000000010000000000000006","stop":"000000010000000000000007"},"backrest":{"format":5,"version":"2.45"},"database":{"id":1,"repo-key":1},"error":false,"info":{"delta":8458,"repository":{"delta":429,"size":3043466},"size":22992575},"label":"20261205-185001F_20261205-185022I","lsn":{"start":"0/6000028","stop":"0/7000050"},"prior":"20261205-185001F_20261205-185018D","reference":["20261205-185001F","20261205-185001F_20261205-185018D"],"timestamp":{"start":1796496622,"stop":1796496625},"type":"incr"}],"cipher":"none","db":[{"id":1,"repo-key":1,"system-id":7715894086682135153,"version":"15"}],"name":"demo","repo":[{"cipher":"none","key":1,"status":{"code":0,"message":"ok"}}],"status":{"code":0,"lock":{"backup":{"held":false}},"message":"ok"}}]`;

describe('pgbackrest info', () => {
  it('reads backups, their chain and the archive; the backup a run took is the newest started since it', () => {
    const info = parseStanzaInfo(INFO, 'demo');
    expect(info.statusCode).toBe(0);
    expect(info.backups.map((b) => [b.type, b.prior])).toEqual([['full', null], ['diff', '20261205-185001F'], ['incr', '20261205-185001F_20261205-185018D']]);
    expect(info.backups[1]).toMatchObject({ lsnStart: '0/4000028', walStop: '000000010000000000000005', repositoryDelta: 431, size: 22992575, version: '2.45' });
    expect([info.archiveMin, info.archiveMax]).toEqual(['000000010000000000000001', '000000010000000000000007']);
    expect(backupTakenSince(info, 1796496618)?.label).toBe('20261205-185001F_20261205-185022I');
    expect(backupTakenSince(info, 1796496700)).toBeNull();
  });

  it('info --set lists the backup\'s tablespaces (oid, name, location)', () => {
    const withSpace = INFO.replace('"type":"full"}', '"type":"full","tablespace":[{"destination":"/srv/ts","name":"tsx","oid":16384}]}');
    expect(parseStanzaInfo(withSpace, 'demo').backups[0]!.tablespaces).toEqual([{ oid: '16384', name: 'tsx', location: '/srv/ts' }]);
    expect(parseStanzaInfo(INFO, 'demo').backups[0]!.tablespaces).toBeUndefined();
  });

  it('refuses what is not info JSON or lacks the stanza', () => {
    expect(() => parseStanzaInfo('ERROR: nope', 'demo')).toThrow(/not JSON/);
    expect(() => parseStanzaInfo(INFO, 'other')).toThrow(/does not list stanza other/);
  });
});

function facts(stanza: string, label: string, prior: string | null): PgbackrestRunFacts {
  return { ...emptyPgbackrestFacts(stanza, 'full'), label, prior };
}

describe('retention dependencies', () => {
  const runs = [
    { id: 'f1', facts: facts('s', 'F1', null) },
    { id: 'd1', facts: facts('s', 'F1_D1', 'F1') },
    { id: 'i1', facts: facts('s', 'F1_I1', 'F1_D1') },
    { id: 'i2', facts: facts('s', 'F1_I2', 'F1_I1') },
    { id: 'f2', facts: facts('s', 'F2', null) },
    // Same label in another stanza: not a dependency across stanzas.
    { id: 'x', facts: facts('t', 'F1_D1', 'F1') },
  ];

  it('an incr needs its prior, a diff its full, within a stanza', () => {
    expect(priorDependencies(runs)).toEqual([
      { backup: 'd1', needs: 'f1' }, { backup: 'i1', needs: 'd1' }, { backup: 'i2', needs: 'i1' },
    ]);
  });

  it('a kept incr keeps its whole chain; an expiring chain expires whole', () => {
    const deps = priorDependencies(runs);
    expect([...neededByKept(new Set(['f1', 'd1', 'i1']), deps)].sort()).toEqual(['d1', 'f1', 'i1']);
    expect([...neededByKept(new Set(['f1', 'd1', 'i1', 'i2']), deps)]).toEqual([]);
    expect([...neededByKept(new Set(['f1']), deps)]).toEqual(['f1']);
  });
});

describe('the owned configuration file', () => {
  const paths = pgbackrestPaths('/srv/backups');
  const stanzas = [
    { node: 'b', spec: { stanza: 'b', pgPath: '/var/lib/pg/b', pgPort: 5433 } },
    { node: 'a', spec: { stanza: 'a', pgPath: '/var/lib/pg/a', pgPort: 5432, pgSocketPath: '/run/postgresql' } },
  ];

  it('is a function of the objects: header, repository under the backup root, retention that never expires, stanzas sorted', () => {
    const text = renderPgbackrestConfig('backup01', paths, stanzas);
    expect(text).toBe(renderPgbackrestConfig('backup01', paths, [...stanzas].reverse()));
    expect(text.split('\n')[0]).toMatch(/^# Managed by pgbackops/);
    expect(text).toContain('repo1-path=/srv/backups/_pgbackrest/repo\n');
    expect(text).toContain('repo1-retention-full-type=count\nrepo1-retention-full=9999999\n');
    expect(text.indexOf('[a]')).toBeLessThan(text.indexOf('[b]'));
    expect(text).toContain('[a]\npg1-path=/var/lib/pg/a\npg1-port=5432\npg1-socket-path=/run/postgresql\n');
  });

  it('drift: a hand edit is an update showing the lines; a file without the header is foreign', () => {
    const wanted = renderPgbackrestConfig('backup01', paths, stanzas);
    expect(configFileChange(null, wanted)).toEqual({ kind: 'create' });
    expect(configFileChange(wanted, wanted)).toEqual({ kind: 'unchanged' });
    expect(configFileChange(wanted.replace('start-fast=y', 'start-fast=n'), wanted)).toEqual({ kind: 'update', changedLines: ['- start-fast=n', '+ start-fast=y'] });
    expect(configFileChange('[global]\nrepo1-path=/x\n', wanted)).toEqual({ kind: 'foreign' });
  });
});

describe('restore plan', () => {
  const base = {
    backup: { id: 'r1', node: 'pg1', definition: 'd', facts: { ...facts('demo', '20261205-185001F_20261205-185022I', 'x'), walStart: '000000010000000000000006', walStop: '000000010000000000000007', lsnStop: '0/7000050', timestampStop: 1796496625 } },
    toDir: '/restore/here', dirEntries: null, info: parseStanzaInfo(INFO, 'demo'), config: '/c.conf', now: 1796497000_000,
    walSegmentSize: 16 * MiB, timelines: { archive: { timelines: [1], histories: [] }, histories: new Map(), problems: [] },
  };

  it('a time between the backup end and now: restore --type=time with promote, archive-mode off', () => {
    const plan = planPgbackrestRestore({ ...base, target: { kind: 'time', time: '2026-12-05T18:52:00Z' } });
    expect(plan.refusals).toEqual([]);
    expect(plan.argv).toEqual(['--stanza=demo', '--set=20261205-185001F_20261205-185022I', '--pg1-path=/restore/here', '--type=time', '--target=2026-12-05 18:52:00+00', '--target-action=promote', '--target-timeline=1', '--archive-mode=off']);
    expect(plan.timeline).toEqual({ asked: 'latest', timeline: 1, path: [1] });
  });

  it('refuses a non-empty directory, a target before the backup is consistent, a backup gone from the repository', () => {
    expect(planPgbackrestRestore({ ...base, dirEntries: 3, target: { kind: 'end' } }).refusals.join()).toMatch(/not empty/);
    expect(planPgbackrestRestore({ ...base, target: { kind: 'time', time: '2026-12-05T18:50:00Z' } }).refusals.join()).toMatch(/outside what this backup can reach/);
    expect(planPgbackrestRestore({ ...base, target: { kind: 'time', time: '2027-12-05T18:50:00Z' } }).refusals.join()).toMatch(/outside/);
    const gone = { ...base, backup: { ...base.backup, facts: { ...base.backup.facts, label: 'nope' } } };
    expect(planPgbackrestRestore({ ...gone, target: { kind: 'latest' } }).refusals.join()).toMatch(/not in stanza demo/);
  });

  it('an LSN target lies between the backup\'s stop LSN and the end of the archive\'s last segment', () => {
    const withLsn = { ...base, backup: { ...base.backup, facts: { ...base.backup.facts, lsnStop: '0/7000050' } } };
    const lsn = (l: string) => planPgbackrestRestore({ ...withLsn, target: { kind: 'lsn', lsn: l } });
    expect(lsn('0/7000050').refusals).toEqual([]);
    expect(lsn('0/7FFFFFF').refusals).toEqual([]);
    expect(lsn('0/7FFFFFF').argv).toContain('--type=lsn');
    expect(lsn('0/7000000').refusals.join()).toMatch(/before the end of this backup \(0\/7000050\)/);
    // The archive's last segment is ...07: it ends at 0/8000000.
    expect(lsn('0/8000000').refusals.join()).toMatch(/after the archive's end \(0\/8000000, the end of segment 000000010000000000000007\)/);
    expect(planPgbackrestRestore({ ...base, backup: { ...base.backup, facts: { ...base.backup.facts, lsnStop: null } }, target: { kind: 'lsn', lsn: '0/7000050' } }).refusals.join()).toMatch(/no stop LSN/);
    expect(planPgbackrestRestore({ ...withLsn, info: null, target: { kind: 'lsn', lsn: '0/7000050' } }).refusals.join()).toMatch(/archive's end is not known/);
  });

  it('the archive\'s end is counted in the cluster\'s own segment size (initdb --wal-segsize), read from the backup\'s pg_control', () => {
    // 1 MiB segments: ...07 is the eighth segment of log 0, ending at 0/800000 (with 16 MiB it would end at 0/8000000).
    const small = { ...base, walSegmentSize: MiB, backup: { ...base.backup, facts: { ...base.backup.facts, lsnStop: '0/700050' } } };
    const lsn = (l: string, over: Partial<typeof small> = {}) => planPgbackrestRestore({ ...small, ...over, target: { kind: 'lsn', lsn: l } });
    expect(lsn('0/7FFFFF').refusals).toEqual([]);
    expect(lsn('0/800000').refusals.join()).toMatch(/after the archive's end \(0\/800000, the end of segment 000000010000000000000007\)/);
    expect(lsn('0/2000000').refusals.join()).toMatch(/after the archive's end/);
    // Unknown size: 16 MiB is assumed, and the plan says so.
    const assumed = lsn('0/2000000', { walSegmentSize: null });
    expect(assumed.refusals).toEqual([]);
    expect(assumed.checks.find((c) => c.what === 'recovery target')!.detail).toMatch(/16777216-byte segments assumed: the backup's pg_control could not be read/);
  });

  it('a restore point name cannot be checked in advance, and the plan says so', () => {
    const plan = planPgbackrestRestore({ ...base, target: { kind: 'name', name: 'before-migration' } });
    expect(plan.refusals).toEqual([]);
    const target = plan.checks.find((c) => c.what === 'recovery target')!;
    expect(target.detail).toMatch(/cannot be known before recovery replays the WAL/);
    expect(target.detail).toMatch(/does not promote/);
  });

  it('--target-timeline (checked against the archive\'s .history files, passed as a number) and --tablespace-map (by OID) are argv; a tablespace without a new location is refused', () => {
    const space = { oid: '16384', source: 'tablespace ts=odd', location: '/srv/ts' };
    // Timeline 2 branched off timeline 1 at 0/9000100, after the backup's end (0/7000050).
    const two = { archive: { timelines: [1, 2], histories: [2] }, histories: new Map([[2, [{ parent: 1, switchLsn: '0/9000100', reason: 'no recovery target specified' }]]]), problems: [] };
    const plan = planPgbackrestRestore({ ...base, backup: { ...base.backup, facts: { ...base.backup.facts, lsnStop: '0/7000050' } }, timelines: two,
      target: { kind: 'latest' }, timeline: { kind: 'number', timeline: 2 },
      tablespaces: [{ ...space, to: '/r/ts new', toState: { kind: 'absent', parentExists: true } }], unknownTablespaceMappings: [] });
    expect(plan.refusals).toEqual([]);
    expect(plan.argv).toEqual(['--stanza=demo', '--set=20261205-185001F_20261205-185022I', '--pg1-path=/restore/here', '--type=default',
      '--target-timeline=2', '--tablespace-map=16384=/r/ts new', '--archive-mode=off']);
    expect(plan.timeline).toEqual({ asked: '2', timeline: 2, path: [1, 2] });
    expect(plan.checks.find((c) => c.what === 'timeline')!.detail).toMatch(/follows timeline 1 until 0\/9000100, then timeline 2/);
    const unmapped = planPgbackrestRestore({ ...base, target: { kind: 'latest' }, tablespaces: [{ ...space, to: null, toState: null }], unknownTablespaceMappings: ['/nowhere'] });
    expect(unmapped.refusals.join()).toMatch(/need a new location: 16384 at \/srv\/ts \(tablespace ts=odd\); give --tablespace-map OLD=NEW/);
    expect(unmapped.refusals.join()).toMatch(/--tablespace-map names \/nowhere, which is no tablespace of the backup/);
    const full = planPgbackrestRestore({ ...base, target: { kind: 'latest' }, tablespaces: [{ ...space, to: '/r/ts', toState: { kind: 'not-empty', entries: 2 } }] });
    expect(full.refusals.join()).toMatch(/\/r\/ts \(for tablespace 16384\) is not empty/);
    expect(planPgbackrestRestore({ ...base, target: { kind: 'end' }, timeline: { kind: 'current' } }).refusals.join()).toMatch(/a timeline needs a recovery target/);
  });

  it('refuses a timeline the archive has no .history file for, or cannot reach from the backup, before pgBackRest is run', () => {
    const withLsn = { ...base, backup: { ...base.backup, facts: { ...base.backup.facts, lsnStop: '0/7000050' } } };
    const latest = { kind: 'latest' } as const;
    const noHistory = planPgbackrestRestore({ ...withLsn, target: latest, timeline: { kind: 'number', timeline: 2 } });
    expect(noHistory.refusals).toEqual(['timeline: timeline 2, as asked: the archive has no 00000002.history: where timeline 2 branched off is unknown, so recovery cannot follow it']);
    expect(noHistory.argv).not.toContain('--target-timeline=2');
    // WAL of timeline 2 without its history file: `latest` would silently stay on timeline 1.
    const hidden = planPgbackrestRestore({ ...withLsn, target: latest, timelines: { archive: { timelines: [1, 2], histories: [] }, histories: new Map(), problems: [] } });
    expect(hidden.refusals.join()).toMatch(/the archive holds timeline 2, but not 00000002.history/);
    // The backup ends after timeline 2 branched off: it cannot reach timeline 2.
    const early = { archive: { timelines: [1, 2], histories: [2] }, histories: new Map([[2, [{ parent: 1, switchLsn: '0/6000000', reason: '' }]]]), problems: [] };
    expect(planPgbackrestRestore({ ...withLsn, target: latest, timelines: early }).refusals.join()).toMatch(/after timeline 2 branched off it at 0\/6000000: it cannot reach timeline 2/);
    expect(planPgbackrestRestore({ ...withLsn, target: latest, timelines: { ...early, problems: ['00000002.history: not a timeline history line'] } }).refusals.join()).toMatch(/timeline history cannot be read/);
    expect(planPgbackrestRestore({ ...withLsn, target: latest, timelines: null }).refusals.join()).toMatch(/could not be listed/);
    // The backup's end needs no timeline: nothing is listed or checked.
    expect(planPgbackrestRestore({ ...withLsn, target: { kind: 'end' }, timelines: null }).refusals).toEqual([]);
  });

  it('writes times in the form PostgreSQL reads', () => {
    expect(postgresTimestamp('2026-12-05T10:00:00.5Z')).toBe('2026-12-05 10:00:00.5+00');
    expect(postgresTimestamp('2026-12-05T10:00:00+02:00')).toBe('2026-12-05 10:00:00+02:00');
  });
});

describe('archive_command', () => {
  it('must push to the same stanza with the server file', () => {
    const wanted = wantedArchiveCommand('/srv/b/_pgbackrest/pgbackrest.conf', 'pg1');
    expect(archiveCommandProblem('on', wanted, '/srv/b/_pgbackrest/pgbackrest.conf', 'pg1')).toBeNull();
    expect(archiveCommandProblem('off', wanted, '/srv/b/_pgbackrest/pgbackrest.conf', 'pg1')).toMatch(/archive_mode is off/);
    expect(archiveCommandProblem('on', wanted.replace('pg1', 'pg2'), '/srv/b/_pgbackrest/pgbackrest.conf', 'pg1')).toMatch(/does not push to stanza pg1/);
    expect(archiveCommandProblem('on', 'cp %p /archive/%f', '/srv/b/_pgbackrest/pgbackrest.conf', 'pg1')).toMatch(/set archive_mode = on and archive_command/);
  });
});
