// The basebackup method's pure half: its fields in the configuration, pg_basebackup's argv per version, the
// recovery settings a restore writes, and the restore plan's refusals (PostgreSQL accepts targets it cannot
// honour: these are what keeps a restore from reaching another point than asked).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../../src/core/config/validate.js';
import { buildBasebackupCommand, BasebackupCommandError } from '../../../src/core/methods/basebackup/basebackup-command.js';
import { planDirectoryRestore, type DirectoryRestoreFacts } from '../../../src/core/methods/basebackup/directory-restore-plan.js';
import type { BasebackupFacts } from '../../../src/core/methods/basebackup/facts.js';
import { gucString, recoveryReached, recoverySettings, restoreCommand, shellWord } from '../../../src/core/methods/basebackup/recovery-settings.js';
import { continuousRange, summariseArchive } from '../../../src/core/wal/archive-range.js';
import type { NodeSpec } from '../../../src/core/model.js';

const BASE = readFileSync(fileURLToPath(new URL('../../fixtures/config/invalid/method-unknown/base.yaml', import.meta.url)), 'utf8');

function validate(spec: string) {
  return validateConfig([{ path: 'base.yaml', text: BASE }, { path: 'b.yaml', text: `apiVersion: pgbackops/v1
kind: Backup
metadata: { name: orders-physical }
spec:
  node: pg-orders
  method: basebackup
  schedule: "41 1 * * *"
  retention: { keepLast: 3 }
${spec}` }]);
}

describe('method: basebackup in the configuration', () => {
  it('normalises with its defaults: gzip 6, a fast checkpoint, no rate limit, and no logical field', () => {
    const result = validate('');
    expect(result.diagnostics).toEqual([]);
    const spec = result.config!.objects.find((o) => o.kind === 'Backup')!.spec as Record<string, unknown>;
    expect(spec).toMatchObject({ method: 'basebackup', compression: { method: 'gzip', level: 6 }, checkpoint: 'fast' });
    // manifestChecksums omitted stays omitted: the spec (and its hash) of a definition written before it existed is unchanged.
    for (const field of ['databases', 'type', 'format', 'jobs', 'exclude', 'maxRate', 'manifestChecksums']) expect(spec).not.toHaveProperty(field);
  });

  it('manifestChecksums: written, it is kept; a value PostgreSQL does not know is refused', () => {
    const written = validate('  manifestChecksums: sha256\n');
    expect(written.diagnostics).toEqual([]);
    expect(written.config!.objects.find((o) => o.kind === 'Backup')!.spec).toMatchObject({ manifestChecksums: 'sha256' });
    expect(validate('  manifestChecksums: md5\n').diagnostics.map((d) => d.path)).toEqual(['/spec/manifestChecksums']);
  });

  it('refuses a logical field (E_FIELD_NOT_FOR_METHOD) and a rate pg_basebackup does not accept', () => {
    const result = validate('  databases: [orders]\n  jobs: 2\n  maxRate: 16k\n');
    expect(result.config).toBeNull();
    expect(result.diagnostics.map((d) => [d.code, d.path])).toEqual(expect.arrayContaining([
      ['E_FIELD_NOT_FOR_METHOD', '/spec/databases'],
      ['E_FIELD_NOT_FOR_METHOD', '/spec/jobs'],
      ['E_SCHEMA_RANGE', '/spec/maxRate'],
    ]));
    expect(result.diagnostics.find((d) => d.path === '/spec/databases')!.message).toMatch(/databases is a field of the logical method.*remove it, or set method: logical/);
  });

  it('refuses checkpoint on a logical backup', () => {
    const result = validateConfig([{ path: 'base.yaml', text: BASE }, { path: 'b.yaml', text: `apiVersion: pgbackops/v1
kind: Backup
metadata: { name: orders-nightly }
spec: { node: pg-orders, databases: [orders], schedule: "41 1 * * *", retention: { keepLast: 3 }, checkpoint: spread }
` }]);
    expect(result.diagnostics.map((d) => d.code)).toEqual(['E_FIELD_NOT_FOR_METHOD']);
  });
});

describe('pg_basebackup argv', () => {
  const node: NodeSpec = { host: '/run/postgresql', port: 5432, user: 'backup', maintenanceDatabase: 'postgres', status: 'running', backupServer: 'b' };

  it('tar format, streamed WAL, CRC32C manifest unless asked otherwise, explicit client compression; connection only in the environment', () => {
    const c = buildBasebackupCommand({ compression: { method: 'zstd', level: 3 }, checkpoint: 'spread', maxRate: '100M' }, node, '/b/.tmp-1', 'pgbackops 1', 15);
    expect(c.args).toEqual(['--pgdata=/b/.tmp-1', '--format=tar', '--wal-method=stream', '--checkpoint=spread', '--compress=client-zstd:3', '--label=pgbackops 1', '--no-password', '--manifest-checksums=CRC32C', '--max-rate=100M']);
    for (const [asked, arg] of [['sha256', 'SHA256'], ['none', 'NONE'], ['crc32c', 'CRC32C']] as const) {
      expect(buildBasebackupCommand({ compression: { method: 'gzip', level: 1 }, checkpoint: 'fast', manifestChecksums: asked }, node, '/x', 'l', 15).args).toContain(`--manifest-checksums=${arg}`);
    }
    expect(c.env).toMatchObject({ PGHOST: '/run/postgresql', PGPORT: '5432', PGUSER: 'backup' });
    expect(c.args.join(' ')).not.toContain('backup@');
  });

  it('before 15: a gzip level only; lz4 and zstd are refused', () => {
    expect(buildBasebackupCommand({ compression: { method: 'gzip', level: 1 }, checkpoint: 'fast' }, node, '/x', 'l', 14).args).toContain('--compress=1');
    expect(buildBasebackupCommand({ compression: { method: 'none' }, checkpoint: 'fast' }, node, '/x', 'l', 15).args).toContain('--compress=none');
    expect(() => buildBasebackupCommand({ compression: { method: 'lz4', level: 1 }, checkpoint: 'fast' }, node, '/x', 'l', 14)).toThrow(BasebackupCommandError);
  });
});

describe('recovery settings', () => {
  it('quotes restore_command for the shell, then for the configuration file', () => {
    const command = restoreCommand(['/usr/bin/node', "/opt/it's/pgbackops.js"], '/srv/b/pg 1/_wal');
    expect(command).toBe(`test -f '/srv/b/pg 1/_wal'/%f && { cp '/srv/b/pg 1/_wal'/%f %p && exit 0; exit 126; }; `
      + `test -d '/srv/b/pg 1/_wal' -a -r '/srv/b/pg 1/_wal' -a -x '/srv/b/pg 1/_wal' || exit 126; `
      + `set -- '/srv/b/pg 1/_wal'/%f.*; test -e "$1" || exit 1; exec '/usr/bin/node' '/opt/it'\\''s/pgbackops.js' wal-fetch --archive-dir '/srv/b/pg 1/_wal' %f %p`);
    expect(shellWord('a;b $(x)')).toBe(`'a;b $(x)'`);
    expect(gucString(`a'b\\c`)).toBe(`'a''b\\\\c'`);
    expect(() => gucString('a\nb')).toThrow();
  });

  it('restore_command, run by /bin/sh: cp for a complete file, wal-fetch for another form, 1 when absent without starting it, 126 for an unreadable archive', () => {
    const archive = mkdtempSync(join(tmpdir(), 'pgbo-rc-'));
    try {
      writeFileSync(join(archive, '000000010000000000000003'), 'segment');
      writeFileSync(join(archive, '000000010000000000000004.partial'), 'partial');
      writeFileSync(join(archive, '.000000010000000000000005.tmp'), 'a writer\'s temporary file');
      // "pgbackops" is echo here: what it is asked shows whether wal-fetch would have started.
      const run = (command: string, walFile: string) => {
        const dest = join(archive, 'RECOVERYXLOG');
        rmSync(dest, { force: true });
        const r = spawnSync('/bin/sh', ['-c', command.replaceAll('%f', walFile).replaceAll('%p', dest)], { encoding: 'utf8' });
        return { status: r.status, stdout: r.stdout.trim(), copied: existsSync(dest) ? readFileSync(dest, 'utf8') : null };
      };
      const command = restoreCommand(['/bin/echo'], archive);
      expect(run(command, '000000010000000000000003')).toEqual({ status: 0, stdout: '', copied: 'segment' });
      expect(run(command, '000000010000000000000004')).toMatchObject({ status: 0, stdout: `wal-fetch --archive-dir ${archive} 000000010000000000000004 ${join(archive, 'RECOVERYXLOG')}` });
      expect(run(command, '000000010000000000000005')).toEqual({ status: 1, stdout: '', copied: null });
      expect(run(command, '00000002.history')).toEqual({ status: 1, stdout: '', copied: null });
      expect(run(restoreCommand(['/bin/echo'], join(archive, 'gone')), '00000002.history')).toEqual({ status: 126, stdout: '', copied: null });
    } finally {
      rmSync(archive, { recursive: true, force: true });
    }
  });

  it('a time target in the form recovery_target_time accepts; the copy never archives; its own port and socket', () => {
    const text = recoverySettings({ target: { kind: 'time', time: '2026-12-05T10:00:00.123456Z' }, restoreCommand: 'x', timeline: 2, port: 5499, socketDirectory: '/r' }, 'c');
    expect(text).toContain(`recovery_target_time = '2026-12-05 10:00:00.123456+00'`);
    expect(text).toContain(`recovery_target_action = 'promote'`);
    expect(text).toContain(`archive_mode = 'off'`);
    expect(text).toContain(`recovery_target_timeline = '2'`);
    expect(text).toContain('port = 5499');
    expect(text).toContain(`unix_socket_directories = '/r'`);
    expect(recoverySettings({ target: { kind: 'end' }, restoreCommand: 'x', timeline: 'current' }, 'c')).toContain(`recovery_target = 'immediate'`);
    expect(recoverySettings({ target: { kind: 'latest' }, restoreCommand: 'x', timeline: 1 }, 'c')).not.toMatch(/recovery_target(_time|_lsn|_name)? =/);
  });

  it('reads the point reached from the server log', () => {
    const log = [
      'LOG:  recovery stopping before commit of transaction 745, time 2026-12-05 10:00:01.5+00',
      'LOG:  redo done at 0/5000148 system usage: CPU: user: 0.00 s',
      'LOG:  last completed transaction was at log time 2026-12-05 09:59:59.25+00',
    ].join('\n');
    expect(recoveryReached(log)).toEqual({ lsn: '0/5000148', time: '2026-12-05T09:59:59.250Z' });
  });
});

describe('the archive and the restore plan', () => {
  const seg = (n: number) => `00000001000000000000000${n.toString(16).toUpperCase()}`;
  const at = (n: number) => Date.parse('2026-12-05T10:00:00Z') + n * 60_000;
  const facts: BasebackupFacts = {
    startLsn: '0/2000028', stopLsn: '0/3000100', timeline: 1, startWal: seg(2), stopWal: seg(3), systemIdentifier: '1', walSegmentSize: 16 * 1024 * 1024,
    startTime: '2026-12-05T10:01:00.000Z', endTime: '2026-12-05T10:03:00.000Z', pgBasebackupVersion: '15.1', compression: { method: 'gzip' }, checkpoint: 'fast',
    baseBytes: 1, walBytes: 1, durationMs: 1, manifestCheck: 'pg_verifybackup 15.1',
  };
  function input(segments: number[]): DirectoryRestoreFacts {
    return {
      backup: { id: 'b1', node: 'pg1', definition: 'phys', status: 'succeeded', serverVersion: '15.1', facts },
      toDir: '/r/x', toDirState: { kind: 'absent', parentExists: true }, fileProblems: [], archiveDir: '/a',
      archive: summariseArchive([...segments.map((n) => ({ name: seg(n), mtimeMs: at(n) })), { name: '.x.tmp', mtimeMs: 0 }]),
      pgCtl: { path: '/pg/bin/pg_ctl', version: '15.2', major: 15 }, start: null,
    };
  }

  it('finds the gapless run from a segment, and what is missing after it', () => {
    const summary = summariseArchive([3, 4, 6, 7].map((n) => ({ name: seg(n), mtimeMs: at(n) })));
    const r = continuousRange(summary, 1, 3n);
    expect([r.to, r.newest, r.missingAfter]).toEqual([4n, 7n, [seg(5)]]);
    expect(continuousRange(summary, 1, 2n)).toMatchObject({ to: null, missingAfter: [seg(2), seg(5)] });
  });

  it('a time within the gapless archive after the backup\'s end: planned, with the window', () => {
    const plan = planDirectoryRestore(input([3, 4, 5]), { kind: 'time', time: '2026-12-05T10:04:00Z' });
    expect(plan.refusals).toEqual([]);
    expect(plan.recoverableWindow).toEqual({ from: facts.endTime, to: new Date(at(5)).toISOString() });
    expect(plan.steps.join('\n')).toContain("recovery_target_time = '2026-12-05T10:04:00Z'");
  });

  it('refuses a time before the backup\'s end, after the archive\'s latest point, or past a gap (naming it)', () => {
    expect(planDirectoryRestore(input([3, 4, 5]), { kind: 'time', time: '2026-12-05T10:02:00Z' }).refusals.join()).toMatch(/before the end of backup b1/);
    expect(planDirectoryRestore(input([3, 4, 5]), { kind: 'time', time: '2026-12-05T11:00:00Z' }).refusals.join()).toMatch(/after the archive's latest point/);
    expect(planDirectoryRestore(input([3, 5, 6]), { kind: 'time', time: '2026-12-05T10:05:30Z' }).refusals.join()).toContain(`the archive is missing ${seg(4)}`);
    expect(planDirectoryRestore(input([3, 5, 6]), { kind: 'latest' }).refusals.join()).toContain(`the archive is missing ${seg(4)}`);
    expect(planDirectoryRestore(input([3, 5, 6]), { kind: 'end' }).refusals).toEqual([]);
  });

  it('with the archive\'s contents read: a time must be before its newest commit after the backup, which ends the window', () => {
    const head = (lastTransaction: { lsn: string; time: string } | null, readFromSegno = 5n) => ({
      ...input([3, 4, 5]),
      head: { timeline: 1, segmentSize: 16 * 1024 * 1024, newestSegno: 5n, gaplessFromSegno: 3n, partial: true, endLsn: '0/5000300', lastTransaction, readFromSegno, newestWriteMs: at(5), unreadable: null },
    });
    const commit = { lsn: '0/5000200', time: '2026-12-05T10:04:30.250001Z' };
    const ok = planDirectoryRestore(head(commit), { kind: 'time', time: '2026-12-05T10:04:00Z' });
    expect(ok.refusals).toEqual([]);
    expect(ok.recoverableWindow).toEqual({ from: facts.endTime, to: commit.time });
    // Between the newest commit and the newest file's time: PostgreSQL would replay everything and fail.
    expect(planDirectoryRestore(head(commit), { kind: 'time', time: '2026-12-05T10:04:45Z' }).refusals.join()).toMatch(/is not before the archive's newest commit \(2026-12-05T10:04:30.250001Z\)/);
    // Nothing committed after the backup (the newest commit is older than its stop LSN, or none in the segments read back to it).
    expect(planDirectoryRestore(head({ lsn: '0/3000000', time: '2026-12-05T10:02:59Z' }), { kind: 'time', time: '2026-12-05T10:04:00Z' }).refusals.join()).toMatch(/nothing was committed after the backup's end/);
    expect(planDirectoryRestore(head(null, 3n), { kind: 'time', time: '2026-12-05T10:04:00Z' }).refusals.join()).toMatch(/nothing was committed after the backup's end/);
    // Not read back far enough to know: the files' times decide, as without the contents.
    expect(planDirectoryRestore(head(null, 5n), { kind: 'time', time: '2026-12-05T10:04:00Z' }).refusals).toEqual([]);
  });

  it('refuses a timeline the archive does not have, other server binaries, a non-empty directory, failed checksums', () => {
    const other = input([]);
    other.archive = summariseArchive([{ name: '000000020000000000000003', mtimeMs: at(3) }]);
    expect(planDirectoryRestore({ ...other, targetTimeline: { kind: 'current' } }, { kind: 'latest' }).refusals.join()).toMatch(/the archive \/a has no WAL of it \(it has: 2\)/);
    // Timeline 2's WAL without its history file: "latest" would silently stay on timeline 1.
    expect(planDirectoryRestore(other, { kind: 'latest' }).refusals.join()).toMatch(/holds timeline 2, but not 00000002\.history: .*--target-timeline 1/);
    const wrong = { ...input([3]), pgCtl: { path: '/pg16/pg_ctl', version: '16.1', major: 16 } };
    expect(planDirectoryRestore(wrong, { kind: 'end' }).refusals.join()).toMatch(/PostgreSQL 15\.1, but the server binaries here are 16\.1/);
    const full = { ...input([3]), toDirState: { kind: 'not-empty' as const, entries: 2 } };
    expect(planDirectoryRestore(full, { kind: 'end' }).refusals.join()).toMatch(/is not empty \(2 entries\)/);
    const corrupt = { ...input([3]), fileProblems: ['base.tar.gz: sha256 differs'] };
    expect(planDirectoryRestore(corrupt, { kind: 'end' }).refusals.join()).toMatch(/sha256 differs/);
    const asRoot = { ...input([3]), start: { port: 5499, owner: 'root', ownerIsRoot: true } };
    expect(planDirectoryRestore(asRoot, { kind: 'end' }).refusals.join()).toMatch(/PostgreSQL refuses to run as root/);
  });
});
