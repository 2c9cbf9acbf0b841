// Reading a tar archive as a stream of chunks and digesting its members on the way: the size and checksum
// (CRC32C, SHA256 or none: what backup_manifest was asked for, member-checksum.ts) of every regular file,
// without writing anything anywhere. A member's data is never copied: the checksum is fed slices of the chunks. This is how a base backup's tars are checked against
// backup_manifest while pg_basebackup writes them (src/methods/basebackup/stream-check.ts), instead of
// extracting them for pg_verifybackup. Pure: it is fed buffers and answers with data.
//
// The format is POSIX ustar (what PostgreSQL's server writes, src/port/tar.c): 512-byte headers, the member's
// data padded to 512 bytes, two zero blocks at the end. A size too large for 11 octal digits is written in
// base-256 (high bit of the first byte set), as PostgreSQL does for files of 8 GiB and more. pax ('x') and GNU
// long-name ('L') headers, which PostgreSQL does not write, are still honoured so that any tar reads right.
import { PgbackopsError } from '../../errors.js';
import type { ManifestChecksums } from '../../model.js';
import { startMemberChecksum, type MemberChecksum } from './member-checksum.js';

export const TAR_BLOCK = 512;

export type TarMemberType = 'file' | 'directory' | 'symlink' | 'other';

export interface TarMember {
  /** As stored, without a leading "./" or a directory's trailing "/". */
  path: string;
  type: TarMemberType;
  /** The data's size (0 for anything but a file). */
  size: number;
  /** The data's checksum as backup_manifest writes it (the reader's algorithm); null for anything but a file, or with none. */
  checksum: string | null;
  linkTarget: string | null;
}

/** Bytes that are not a whole ustar archive (cut short, a bad header checksum, data after its end): docs/errors.md. */
export class TarFormatError extends PgbackopsError {
  readonly code = 'E_TAR_FORMAT';
}

interface PendingHeader {
  path: string;
  type: TarMemberType;
  typeflag: string;
  size: number;
  linkTarget: string | null;
}

/** Feed it the archive's bytes in order with push(); end() says whether the archive was complete. */
export class TarMemberReader {
  readonly members: TarMember[] = [];
  /** Bytes of the archive consumed so far. */
  offset = 0;
  private header = Buffer.alloc(TAR_BLOCK);
  private headerFill = 0;
  private current: PendingHeader | null = null;
  private remaining = 0;
  private padding = 0;
  private hash: MemberChecksum | null = null;
  /** The data of a pax or GNU long-name header, collected whole (they are small). */
  private meta: Buffer[] | null = null;
  private nextPath: string | null = null;
  private nextSize: number | null = null;
  private ended = false;

  /** @param algorithm the checksum computed of every file member */
  constructor(private readonly algorithm: ManifestChecksums = 'sha256') {}

  push(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length) {
      if (this.ended) {
        // After the end-of-archive blocks only zeros may follow (tar pads to its record size).
        const rest = chunk.subarray(at);
        if (rest.some((b) => b !== 0)) throw new TarFormatError(`data after the end of the archive at offset ${this.offset + at}`);
        this.offset += chunk.length - at;
        return;
      }
      if (this.current) {
        const take = Math.min(this.remaining, chunk.length - at);
        const part = chunk.subarray(at, at + take);
        if (this.hash) this.hash.update(part);
        else if (this.meta) this.meta.push(Buffer.from(part));
        this.remaining -= take;
        at += take;
        this.offset += take;
        if (this.remaining === 0) this.finishMember();
        continue;
      }
      if (this.padding > 0) {
        const take = Math.min(this.padding, chunk.length - at);
        this.padding -= take;
        at += take;
        this.offset += take;
        continue;
      }
      const take = Math.min(TAR_BLOCK - this.headerFill, chunk.length - at);
      chunk.copy(this.header, this.headerFill, at, at + take);
      this.headerFill += take;
      at += take;
      if (this.headerFill === TAR_BLOCK) {
        this.headerFill = 0;
        this.startMember();
        this.offset += TAR_BLOCK;
      }
    }
  }

  /** Throws unless the archive ended properly (end-of-archive block seen, no member cut short). */
  end(): TarMember[] {
    if (this.current || this.headerFill > 0) throw new TarFormatError(`the archive is cut short at offset ${this.offset}${this.current ? ` inside "${this.current.path}"` : ''}`);
    if (!this.ended) throw new TarFormatError(`the archive has no end-of-archive block (cut short at offset ${this.offset}?)`);
    return this.members;
  }

  private startMember(): void {
    const h = this.header;
    if (h.every((b) => b === 0)) {
      this.ended = true;
      return;
    }
    if (headerChecksum(h) !== octal(h, 148, 8, this.offset)) throw new TarFormatError(`bad tar header checksum at offset ${this.offset}`);
    const typeflag = String.fromCharCode(h[156]!);
    const prefix = ascii(h, 257, 6) === 'ustar' ? text(h, 345, 155) : '';
    const name = text(h, 0, 100);
    const size = this.nextSize ?? tarNumber(h, 124, 12, this.offset);
    const path = normalise(this.nextPath ?? (prefix ? `${prefix}/${name}` : name));
    const type: TarMemberType = typeflag === '0' || typeflag === '\0' || typeflag === '7' ? 'file' : typeflag === '5' ? 'directory' : typeflag === '2' ? 'symlink' : 'other';
    const isMeta = typeflag === 'x' || typeflag === 'L' || typeflag === 'g';
    const dataSize = isMeta ? tarNumber(h, 124, 12, this.offset) : type === 'file' || type === 'other' ? size : 0;
    if (!isMeta) {
      this.nextPath = null;
      this.nextSize = null;
    }
    this.current = { path, type, typeflag, size: dataSize, linkTarget: type === 'symlink' ? text(h, 157, 100) : null };
    this.remaining = dataSize;
    this.padding = (TAR_BLOCK - (dataSize % TAR_BLOCK)) % TAR_BLOCK;
    this.hash = type === 'file' && !isMeta ? startMemberChecksum(this.algorithm) : null;
    this.meta = isMeta ? [] : null;
    if (dataSize === 0) this.finishMember();
  }

  private finishMember(): void {
    const member = this.current!;
    this.current = null;
    if (this.meta) {
      const data = Buffer.concat(this.meta);
      this.meta = null;
      if (member.typeflag === 'L') this.nextPath = data.toString('utf8').replace(/\0.*$/s, '');
      if (member.typeflag === 'x') {
        const pax = paxRecords(data);
        if (pax.path !== undefined) this.nextPath = pax.path;
        if (pax.size !== undefined) this.nextSize = Number(pax.size);
      }
      return;
    }
    this.members.push({
      path: member.path, type: member.type, size: member.type === 'file' ? member.size : 0,
      checksum: this.hash ? this.hash.digest() : null, linkTarget: member.linkTarget,
    });
    this.hash = null;
  }
}

/** The header's checksum: the sum of its bytes with the checksum field itself counted as spaces. */
function headerChecksum(h: Buffer): number {
  let sum = 0;
  for (let i = 0; i < TAR_BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i]!;
  return sum;
}

/** A numeric field: octal digits, or base-256 when the first byte's high bit is set. */
function tarNumber(h: Buffer, at: number, length: number, offset: number): number {
  if (h[at]! & 0x80) {
    let n = h[at]! & 0x7f;
    for (let i = at + 1; i < at + length; i++) n = n * 256 + h[i]!;
    if (!Number.isSafeInteger(n)) throw new TarFormatError(`a tar size beyond 2^53 at offset ${offset}`);
    return n;
  }
  return octal(h, at, length, offset);
}

function octal(h: Buffer, at: number, length: number, offset: number): number {
  const digits = ascii(h, at, length).trim();
  if (!/^[0-7]*$/.test(digits)) throw new TarFormatError(`not a tar header at offset ${offset} (field ${JSON.stringify(digits)})`);
  return digits === '' ? 0 : parseInt(digits, 8);
}

function ascii(h: Buffer, at: number, length: number): string {
  return h.toString('latin1', at, at + length).replace(/\0.*$/s, '');
}

function text(h: Buffer, at: number, length: number): string {
  const end = h.indexOf(0, at);
  return h.toString('utf8', at, end === -1 || end > at + length ? at + length : end);
}

function normalise(path: string): string {
  return path.replace(/^(\.\/)+/, '').replace(/\/+$/, '');
}

/** pax extended header records: "LEN key=value\n" each. */
function paxRecords(data: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    if (space === -1) break;
    const length = Number(data.toString('latin1', at, space));
    if (!Number.isInteger(length) || length <= 0) break;
    const record = data.toString('utf8', space + 1, at + length - 1);
    const eq = record.indexOf('=');
    if (eq > 0) out[record.slice(0, eq)] = record.slice(eq + 1);
    at += length;
  }
  return out;
}
