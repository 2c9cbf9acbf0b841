// The pure halves of the basebackup run's tar check: the streaming tar reader (members, sizes, SHA256 or CRC32C,
// at any chunk boundary; base-256 sizes, pax and GNU long names; a cut-short or damaged archive) and the comparison
// with backup_manifest (its own checksum; missing, extra, resized and changed files; the WAL segments).
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkTarsAgainstManifest, manifestChecksum, parseBackupManifest, type BackupManifest } from '../../../src/core/methods/basebackup/manifest-check.js';
import { TarFormatError, TarMemberReader, type TarMember } from '../../../src/core/methods/basebackup/tar-members.js';
import { startMemberChecksum } from '../../../src/core/methods/basebackup/member-checksum.js';
import type { ManifestChecksums } from '../../../src/core/model.js';

const sha = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

/** A ustar header block; size in octal unless base256. */
function header(name: string, size: number, typeflag = '0', options: { base256?: boolean } = {}): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 'utf8');
  h.write('0000600\0', 100, 'latin1');
  if (options.base256) {
    h[124] = 0x80;
    h.writeBigUInt64BE(BigInt(size), 128);
  } else {
    h.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 'latin1');
  }
  h.write(typeflag, 156, 'latin1');
  h.write('ustar\x0000', 257, 'latin1');
  h.write('        ', 148, 'latin1');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return h;
}

function member(name: string, data: Buffer | string, typeflag = '0', options: { base256?: boolean } = {}): Buffer {
  const body = Buffer.from(data);
  return Buffer.concat([header(name, body.length, typeflag, options), body, Buffer.alloc((512 - (body.length % 512)) % 512)]);
}

const END = Buffer.alloc(1024);

function read(archive: Buffer, chunk = archive.length, algorithm: ManifestChecksums = 'sha256'): TarMember[] {
  const reader = new TarMemberReader(algorithm);
  for (let at = 0; at < archive.length; at += chunk) reader.push(archive.subarray(at, at + chunk));
  return reader.end();
}

describe('TarMemberReader', () => {
  const big = Buffer.alloc(70_000, 7);
  const archive = Buffer.concat([
    member('./base/', '', '5'), member('base/1/1259', big), member('PG_VERSION', '15\n'), member('empty', ''),
    member('pg_tblspc/16400', '', '2'), END,
  ]);
  const expected: TarMember[] = [
    { path: 'base', type: 'directory', size: 0, checksum: null, linkTarget: null },
    { path: 'base/1/1259', type: 'file', size: big.length, checksum: sha(big), linkTarget: null },
    { path: 'PG_VERSION', type: 'file', size: 3, checksum: sha('15\n'), linkTarget: null },
    { path: 'empty', type: 'file', size: 0, checksum: sha(''), linkTarget: null },
    { path: 'pg_tblspc/16400', type: 'symlink', size: 0, checksum: null, linkTarget: '' },
  ];

  it.each([archive.length, 1, 7, 511, 512, 513, 65_536])('reads the same members at chunks of %i bytes', (chunk) => {
    expect(read(archive, chunk)).toEqual(expected);
  });

  it('reads a base-256 size, a pax path and a GNU long name', () => {
    const long = `base/${'x'.repeat(120)}`;
    // The record's length counts itself: its three digits and the space.
    const pax = `${String(`path=${long}\n`.length + 4)} path=${long}\n`;
    const got = read(Buffer.concat([
      member('sized', 'abc', '0', { base256: true }), member('PaxHeader', pax, 'x'), member('ignored', 'p'),
      member('././@LongLink', `${long}-gnu\0`, 'L'), member('cut', 'q'), END,
    ]));
    expect(got.map((m) => [m.path, m.size, m.checksum])).toEqual([['sized', 3, sha('abc')], [long, 1, sha('p')], [`${long}-gnu`, 1, sha('q')]]);
  });

  it('computes CRC32C as backup_manifest writes it (low byte first), at any chunk boundary, or no checksum', () => {
    // CRC-32C of "123456789" is 0xE3069283 (RFC 3720's check value).
    expect(startMemberChecksum('crc32c')!.digest()).toBe('00000000');
    const crc = startMemberChecksum('crc32c')!;
    for (const part of ['1234', '5', '6789']) crc.update(Buffer.from(part));
    expect(crc.digest()).toBe('839206e3');
    const crcOf = (data: Buffer | string) => { const c = startMemberChecksum('crc32c')!; c.update(Buffer.from(data)); return c.digest(); };
    const withCrc = expected.map((m) => ({ ...m, checksum: m.checksum === null ? null : crcOf(m.path === 'PG_VERSION' ? '15\n' : m.path === 'empty' ? '' : big) }));
    for (const chunk of [archive.length, 1, 511, 4096]) expect(read(archive, chunk, 'crc32c')).toEqual(withCrc);
    expect(read(archive, 100, 'none').map((m) => m.checksum)).toEqual([null, null, null, null, null]);
  });

  it('refuses an archive cut short, a damaged header and data after the end', () => {
    expect(() => read(archive.subarray(0, 2048))).toThrow(TarFormatError);
    expect(() => read(Buffer.concat([member('a', 'x')]))).toThrow(/no end-of-archive block/);
    const damaged = Buffer.from(archive);
    damaged[512 + 3] = 0x41; // a byte of base/1/1259's name
    expect(() => read(damaged)).toThrow(/bad tar header checksum at offset 512/);
    expect(() => read(Buffer.concat([END, member('late', 'x')]))).toThrow(/data after the end of the archive/);
  });
});

/** A manifest as pg_basebackup writes it: one entry a line, the last line the checksum of all before it. */
function manifestText(files: Array<{ path: string; data: string }>, ranges = [{ Timeline: 1, 'Start-LSN': '0/2000028', 'End-LSN': '0/2000100' }], algorithm: ManifestChecksums = 'sha256'): string {
  const entry = (f: { path: string; data: string }) => {
    const c = startMemberChecksum(algorithm);
    c?.update(Buffer.from(f.data));
    return { Path: f.path, Size: Buffer.byteLength(f.data), 'Last-Modified': '2026-12-05 21:00:00 GMT', 'Checksum-Algorithm': algorithm.toUpperCase(), ...(c ? { Checksum: c.digest() } : {}) };
  };
  const body = `{ "PostgreSQL-Backup-Manifest-Version": 1,\n"Files": [\n${files.map((f) => JSON.stringify(entry(f))).join(',\n')} ],\n"WAL-Ranges": [\n${ranges.map((r) => JSON.stringify(r)).join(',\n')}\n],\n`;
  return `${body}"Manifest-Checksum": "${sha(body)}"}\n`;
}

const file = (path: string, data: string): TarMember => ({ path, type: 'file', size: Buffer.byteLength(data), checksum: sha(data), linkTarget: null });
const segment = (name: string, size = 16 * 1024 * 1024): TarMember => ({ path: name, type: 'file', size, checksum: 'x', linkTarget: null });

describe('backup_manifest against the tars', () => {
  const files = [{ path: 'PG_VERSION', data: '15\n' }, { path: 'global/pg_control', data: 'control' }, { path: 'pg_tblspc/16400/PG_15_1/5/16401', data: 'ts' }];
  const text = manifestText(files);
  const manifest: BackupManifest = parseBackupManifest(text);
  const wal = { part: 'pg_wal', file: 'pg_wal.tar', members: [segment('000000010000000000000002')] };
  const base = { part: 'base', file: 'base.tar', members: [file('PG_VERSION', '15\n'), file('global/pg_control', 'control'), { path: 'pg_wal', type: 'directory' as const, size: 0, checksum: null, linkTarget: null }] };
  const tablespace = { part: '16400', file: '16400.tar', members: [file('PG_15_1/5/16401', 'ts')] };

  it('parses the manifest and checks its own checksum', () => {
    expect(manifest.files.map((f) => [f.path, f.size, f.algorithm])).toEqual([['PG_VERSION', 3, 'SHA256'], ['global/pg_control', 7, 'SHA256'], ['pg_tblspc/16400/PG_15_1/5/16401', 2, 'SHA256']]);
    expect(manifestChecksum(text)).toBe(/"Manifest-Checksum": "([0-9a-f]{64})"/.exec(text)![1]);
    expect(() => parseBackupManifest(text.replace('"Size":7', '"Size":8'))).toThrow(/own checksum does not match/);
    expect(() => parseBackupManifest('{}')).toThrow(/unknown version/);
  });

  it('a backup as listed passes: files, tablespace files under pg_tblspc/OID/, the WAL segment', () => {
    expect(checkTarsAgainstManifest(manifest, [base, tablespace, wal], 16 * 1024 * 1024, 'sha256')).toEqual({
      problems: [], filesChecked: 3, walSegments: { first: '000000010000000000000002', last: '000000010000000000000002', count: 1 },
    });
  });

  it('names a missing, an extra, a resized and a changed file, and missing or short WAL', () => {
    const damaged = { ...base, members: [file('PG_VERSION', '16\n'), file('global/pg_control', 'control!'), file('stray', 'x'), file('backup_manifest', 'm'), file('pg_wal/000000010000000000000002', 'w')] };
    const ranges = parseBackupManifest(manifestText(files, [{ Timeline: 1, 'Start-LSN': '0/2FFFFF0', 'End-LSN': '0/4000000' }]));
    expect(checkTarsAgainstManifest(ranges, [damaged, { ...wal, members: [segment('000000010000000000000002', 100)] }], 16 * 1024 * 1024, 'sha256').problems).toEqual([
      'checksum mismatch for file "PG_VERSION"',
      '"global/pg_control" has size 8 in the backup but size 7 in the manifest',
      '"pg_tblspc/16400/PG_15_1/5/16401" is present in the manifest but not in the backup',
      '"stray" is present in the backup but not in the manifest',
      'WAL segment 000000010000000000000002 in pg_wal.tar has 100 bytes, not 16777216',
      'WAL segment 000000010000000000000003 (needed from 0/2FFFFF0 to 0/4000000) is not in pg_wal.tar',
    ]);
    expect(checkTarsAgainstManifest(manifest, [base, tablespace], 16 * 1024 * 1024, 'sha256').problems).toEqual(['the backup has no pg_wal.tar: the WAL it needs to be consistent is missing']);
  });

  it('CRC32C members against a CRC32C manifest; another algorithm than the one computed is named; NONE checks sizes', () => {
    const crcFile = (path: string, data: string): TarMember => {
      const c = startMemberChecksum('crc32c')!;
      c.update(Buffer.from(data));
      return { path, type: 'file', size: Buffer.byteLength(data), checksum: c.digest(), linkTarget: null };
    };
    const crcManifest = parseBackupManifest(manifestText(files, undefined, 'crc32c'));
    const crcBase = { ...base, members: [crcFile('PG_VERSION', '15\n'), crcFile('global/pg_control', 'control')] };
    const crcTablespace = { ...tablespace, members: [crcFile('PG_15_1/5/16401', 'ts')] };
    expect(checkTarsAgainstManifest(crcManifest, [crcBase, crcTablespace, wal], 16 * 1024 * 1024, 'crc32c').problems).toEqual([]);
    const flipped = { ...crcBase, members: [crcFile('PG_VERSION', '16\n'), crcFile('global/pg_control', 'control')] };
    expect(checkTarsAgainstManifest(crcManifest, [flipped, crcTablespace, wal], 16 * 1024 * 1024, 'crc32c').problems).toEqual(['checksum mismatch for file "PG_VERSION"']);
    expect(checkTarsAgainstManifest(manifest, [crcBase, crcTablespace, wal], 16 * 1024 * 1024, 'crc32c').problems).toEqual([
      '"PG_VERSION" has a SHA256 checksum in the manifest, but CRC32C was asked for and computed',
      '"global/pg_control" has a SHA256 checksum in the manifest, but CRC32C was asked for and computed',
      '"pg_tblspc/16400/PG_15_1/5/16401" has a SHA256 checksum in the manifest, but CRC32C was asked for and computed',
    ]);
    const none = parseBackupManifest(manifestText(files, undefined, 'none'));
    const sizesOnly = { ...base, members: [file('PG_VERSION', '16\n'), file('global/pg_control', 'control!')] };
    expect(checkTarsAgainstManifest(none, [sizesOnly, tablespace, wal], 16 * 1024 * 1024, 'none').problems).toEqual(['"global/pg_control" has size 8 in the backup but size 7 in the manifest']);
  });
});
