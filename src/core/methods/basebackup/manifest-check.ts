// Checking a tar-format base backup against its backup_manifest without extracting it: what pg_verifybackup
// checks of the files, from the tar members' sizes and digests (tar-members.ts). Pure.
//
// The manifest (PostgreSQL documentation, "Backup Manifest Format"): a JSON object with
// "PostgreSQL-Backup-Manifest-Version", "Files" (each with "Path", or "Encoded-Path" in hex for a name that is
// not UTF-8, "Size", "Last-Modified", and "Checksum-Algorithm" with "Checksum" in hex unless the algorithm is
// NONE), "WAL-Ranges" (Timeline, Start-LSN, End-LSN) and last "Manifest-Checksum": the SHA256 of every byte of
// the file up to and including the newline that precedes the line holding it.
//
// Paths in the manifest are relative to the data directory; base.tar holds them as they are, a tablespace's
// <OID>.tar holds them relative to pg_tblspc/<OID>/. As pg_verifybackup does, files the backup is allowed to
// have without the manifest listing them are not reported as extra: backup_manifest itself, anything under
// pg_wal/ (pg_wal.tar is checked by its segments), recovery.signal and standby.signal.
import { createHash } from 'node:crypto';
import { parseLsn, segnoOfLsn, walSegmentName } from '../../wal/wal-segment.js';
import type { TarMember } from './tar-members.js';
import { PgbackopsError } from '../../errors.js';
import type { ManifestChecksums } from '../../model.js';
import { manifestAlgorithmName } from './member-checksum.js';

export interface ManifestFile {
  path: string;
  size: number;
  /** Upper case as written (SHA256, CRC32C, NONE...); null when the entry has none. */
  algorithm: string | null;
  checksum: string | null;
}

export interface BackupManifest {
  version: number;
  files: ManifestFile[];
  walRanges: Array<{ timeline: number; startLsn: string; endLsn: string }>;
}

/** A backup_manifest that is not one PostgreSQL wrote, or was changed since (its own checksum): docs/errors.md. */
export class ManifestFormatError extends PgbackopsError {
  readonly code = 'E_MANIFEST_FORMAT';
}

/** Parses backup_manifest and checks its own checksum. Throws ManifestFormatError when it is not one. */
export function parseBackupManifest(text: string): BackupManifest {
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(text) as Record<string, unknown>;
  } catch (err) {
    throw new ManifestFormatError(`backup_manifest is not JSON: ${(err as Error).message}`);
  }
  const version = doc['PostgreSQL-Backup-Manifest-Version'];
  if (version !== 1 && version !== 2) throw new ManifestFormatError(`backup_manifest has an unknown version ${JSON.stringify(version)}`);
  const expected = doc['Manifest-Checksum'];
  if (typeof expected !== 'string') throw new ManifestFormatError('backup_manifest has no Manifest-Checksum');
  const actual = manifestChecksum(text);
  if (actual !== expected.toLowerCase()) throw new ManifestFormatError(`backup_manifest's own checksum does not match (${actual}, the manifest says ${expected})`);
  const files = doc['Files'];
  const ranges = doc['WAL-Ranges'];
  if (!Array.isArray(files) || !Array.isArray(ranges)) throw new ManifestFormatError('backup_manifest has no Files or WAL-Ranges');
  return {
    version,
    files: files.map((f: Record<string, unknown>) => {
      const path = typeof f['Path'] === 'string' ? f['Path'] : typeof f['Encoded-Path'] === 'string' ? Buffer.from(f['Encoded-Path'], 'hex').toString('utf8') : null;
      if (path === null || typeof f['Size'] !== 'number') throw new ManifestFormatError(`backup_manifest has a file entry without a path or size: ${JSON.stringify(f)}`);
      return {
        path, size: f['Size'],
        algorithm: typeof f['Checksum-Algorithm'] === 'string' ? f['Checksum-Algorithm'].toUpperCase() : null,
        checksum: typeof f['Checksum'] === 'string' ? f['Checksum'].toLowerCase() : null,
      };
    }),
    walRanges: ranges.map((r: Record<string, unknown>) => ({ timeline: Number(r['Timeline']), startLsn: String(r['Start-LSN']), endLsn: String(r['End-LSN']) })),
  };
}

/** SHA256 of the manifest up to and including the newline before its last line (parse_manifest.c's rule). */
export function manifestChecksum(text: string): string {
  const bytes = Buffer.from(text, 'utf8');
  const ultimate = bytes.lastIndexOf(0x0a);
  const last = ultimate > 0 ? bytes.lastIndexOf(0x0a, ultimate - 1) : -1;
  if (last === -1) throw new ManifestFormatError('backup_manifest has fewer than two lines');
  return createHash('sha256').update(bytes.subarray(0, last + 1)).digest('hex');
}


export interface BackupTarMembers {
  /** "base" for the data directory, a tablespace's OID, "pg_wal" for the streamed WAL. */
  part: string;
  file: string;
  members: TarMember[];
}

export interface TarManifestReport {
  problems: string[];
  /** Files checked against the manifest (size, and checksum where it has one). */
  filesChecked: number;
  /** The WAL segments the backup needs, found complete in pg_wal.tar. */
  walSegments: { first: string; last: string; count: number } | null;
}

const IGNORED = /^(backup_manifest|recovery\.signal|standby\.signal|pg_wal(\/.*)?)$/;
const MAX_PROBLEMS = 50;

/**
 * The problems of a backup's tars against its manifest: a file listed but absent, present but not listed, of
 * another size or with another checksum; a WAL segment the backup needs absent from pg_wal.tar or short.
 * @param computed the checksum the tar reader computed of every member (the one pg_basebackup was asked for)
 */
export function checkTarsAgainstManifest(manifest: BackupManifest, tars: readonly BackupTarMembers[], walSegmentSize: number, computed: ManifestChecksums): TarManifestReport {
  const problems: string[] = [];
  const expected = manifestAlgorithmName(computed);
  const present = new Map<string, TarMember>();
  for (const tar of tars) {
    if (tar.part === 'pg_wal') continue;
    const prefix = tar.part === 'base' ? '' : `pg_tblspc/${tar.part}/`;
    for (const m of tar.members) if (m.type === 'file') present.set(prefix + m.path, m);
  }
  const listed = new Set<string>();
  let filesChecked = 0;
  for (const file of manifest.files) {
    listed.add(file.path);
    const member = present.get(file.path);
    if (!member) {
      problems.push(`"${file.path}" is present in the manifest but not in the backup`);
      continue;
    }
    filesChecked++;
    if (member.size !== file.size) problems.push(`"${file.path}" has size ${member.size} in the backup but size ${file.size} in the manifest`);
    else if (file.algorithm === null || file.algorithm === 'NONE') continue;
    else if (file.algorithm !== expected) problems.push(`"${file.path}" has a ${file.algorithm} checksum in the manifest, but ${expected} was asked for and computed`);
    else if (member.checksum !== file.checksum) problems.push(`checksum mismatch for file "${file.path}"`);
  }
  for (const path of present.keys()) if (!listed.has(path) && !IGNORED.test(path)) problems.push(`"${path}" is present in the backup but not in the manifest`);

  const wal = checkWalMembers(manifest, tars.find((t) => t.part === 'pg_wal'), walSegmentSize, problems);
  const shown = problems.length > MAX_PROBLEMS ? [...problems.slice(0, MAX_PROBLEMS), `... and ${problems.length - MAX_PROBLEMS} more`] : problems;
  return { problems: shown, filesChecked, walSegments: wal };
}

/** Every segment from the first range's start to the last range's end, each of the full segment size. */
function checkWalMembers(manifest: BackupManifest, walTar: BackupTarMembers | undefined, segmentSize: number, problems: string[]): TarManifestReport['walSegments'] {
  if (manifest.walRanges.length === 0) {
    problems.push('backup_manifest has no WAL-Ranges');
    return null;
  }
  if (!walTar) {
    problems.push('the backup has no pg_wal.tar: the WAL it needs to be consistent is missing');
    return null;
  }
  const segments = new Map(walTar.members.filter((m) => m.type === 'file').map((m) => [m.path.replace(/^.*\//, ''), m] as const));
  const names: string[] = [];
  for (const range of manifest.walRanges) {
    const start = segnoOfLsn(range.startLsn, segmentSize);
    // The end LSN points past the last record: a range ending exactly on a boundary needs no byte of the next segment.
    const endPosition = parseLsn(range.endLsn);
    const end = endPosition > parseLsn(range.startLsn) ? segnoOfLsn(endPosition - 1n, segmentSize) : start;
    for (let segno = start; segno <= end; segno++) {
      const name = walSegmentName(range.timeline, segno, segmentSize);
      const member = segments.get(name);
      if (!member) problems.push(`WAL segment ${name} (needed from ${range.startLsn} to ${range.endLsn}) is not in ${walTar.file}`);
      else if (member.size !== segmentSize) problems.push(`WAL segment ${name} in ${walTar.file} has ${member.size} bytes, not ${segmentSize}`);
      names.push(name);
    }
  }
  return { first: names[0]!, last: names[names.length - 1]!, count: names.length };
}
