// Reading a pg_dumpall script as SQL statements, to restore it into a cluster that is not empty. Pure.
//
// Why a scanner and not line matching: role and database names may hold quotes, semicolons and newlines
// (a quoted identifier can span lines), and dumped data and function bodies may hold anything. So the text is
// split into statements the way psql does it: single-quoted strings (E'' with backslash escapes), quoted
// identifiers, dollar quotes, -- and /* */ comments, backslash meta-commands (a line starting with `\`), and
// COPY ... FROM stdin data (raw lines up to `\.`).
//
// What it gives:
// - the roles the script creates (CREATE ROLE in the globals section, before the first `\connect`) and the
//   databases it creates (CREATE DATABASE anywhere);
// - a filtered copy of the script without the globals-section statements about roles the restore must
//   not touch (a role that already exists on the target is reused, never altered): its CREATE ROLE, ALTER
//   ROLE, COMMENT ON ROLE and the GRANTs that make it a member of something;
// - optionally, in that copy, a creation marker after each of those CREATE ROLE and CREATE DATABASE
//   statements that commits on its own (see creation-markers.ts: how psql proves what it created).
// Everything after the first `\connect` passes through unchanged, markers aside.
import type { CreatedKind } from './creation-markers.js';

export interface ClusterScriptFacts {
  /** Roles created by the script, in script order. */
  roles: string[];
  /** Databases created by the script (postgres and template1 are loaded into the existing ones). */
  databases: string[];
}

// Characters that may change the state outside quotes and comments, and inside an E'' string. Shared
// global regexes (used with lastIndex, never concurrently: the scanner is synchronous).
const NORMAL_SPECIAL = /['"\-*$;\\]/g;
const ESCAPE_STRING_SPECIAL = /[\\']/g;

type State = 'normal' | 'squote' | 'escape-squote' | 'escape-squote-backslash' | 'dquote' | 'dollar' | 'line-comment' | 'block-comment' | 'meta' | 'copy';

export class ClusterScriptScanner {
  readonly facts: ClusterScriptFacts = { roles: [], databases: [] };
  private state: State = 'normal';
  /** Text of the statement (or meta-command, or COPY data line) in progress. */
  private current = '';
  private dollarTag = '';
  /** Where the opening dollar-quote tag starts in `current`. */
  private dollarStart = 0;
  private blockDepth = 0;
  private blockPrev = '';
  /** Whether the last character consumed before an empty `current` ended a line. */
  private startsLine = true;
  private inGlobals = true;
  /** Inside BEGIN ... COMMIT: a statement that succeeds there may still be rolled back. */
  private inTransactionBlock = false;
  /** The key of the script's `\restrict` in force (psql then refuses every backslash command but `\unrestrict`). */
  private restrictKey: string | null = null;
  private out: string[] = [];

  /**
   * @param skipRoles roles whose globals-section statements are left out of the output
   * @param marker the psql command that vouches for a CREATE (creationMarkerCommand bound to a nonce); none
   *   when omitted
   */
  constructor(
    private readonly skipRoles: ReadonlySet<string> = new Set(),
    private readonly marker: ((kind: CreatedKind, name: string) => string) | null = null,
  ) {}

  /** Scans a chunk; returns the output of every statement completed so far (a statement may span chunks). */
  feed(chunk: string): string {
    // Each step consumes a run of characters that cannot change the state (found with indexOf or a regex),
    // then at most one character that may: dumps are large, a character-at-a-time loop is too slow.
    let pos = 0;
    while (pos < chunk.length) pos = this.advance(chunk, pos);
    return this.take();
  }

  /** The rest of the output at the end of the script. */
  end(): string {
    if (this.current.length > 0) this.complete();
    return this.take();
  }

  private take(): string {
    const text = this.out.join('');
    this.out = [];
    return text;
  }

  /** Consumes from `pos`; returns the position after what it consumed (always more than `pos`). */
  private advance(chunk: string, pos: number): number {
    switch (this.state) {
      case 'copy':
      case 'meta': {
        const nl = chunk.indexOf('\n', pos);
        if (nl < 0) return this.append(chunk, pos, chunk.length);
        const line = this.current + chunk.slice(pos, nl + 1);
        this.current = '';
        this.startsLine = true;
        this.out.push(line);
        if (this.state === 'meta') {
          if (/^\\(connect|c)\b/.test(line)) {
            this.inGlobals = false;
            this.inTransactionBlock = false; // a new session
          }
          const restrict = /^\\(un)?restrict\b(?:\s+(\S+))?/.exec(line);
          if (restrict) this.restrictKey = restrict[1] ? null : (restrict[2] ?? null);
          this.state = 'normal';
        } else if (line === '\\.\n') {
          this.state = 'normal'; // end of COPY data
        }
        return nl + 1;
      }
      case 'line-comment':
        return this.until(chunk, pos, chunk.indexOf('\n', pos));
      case 'squote':
        // A doubled '' closes and at once re-opens the string: same result.
        return this.until(chunk, pos, chunk.indexOf("'", pos));
      case 'dquote':
        return this.until(chunk, pos, chunk.indexOf('"', pos));
      case 'escape-squote': {
        ESCAPE_STRING_SPECIAL.lastIndex = pos;
        const m = ESCAPE_STRING_SPECIAL.exec(chunk);
        if (!m) return this.append(chunk, pos, chunk.length);
        this.current += chunk.slice(pos, m.index + 1);
        this.state = m[0] === "'" ? 'normal' : 'escape-squote-backslash';
        return m.index + 1;
      }
      case 'escape-squote-backslash':
        this.current += chunk[pos];
        this.state = 'escape-squote';
        return pos + 1;
      case 'dollar': {
        const tag = this.dollarTag;
        const from = Math.max(this.dollarStart + tag.length, this.current.length - tag.length + 1);
        const combined = this.current + chunk.slice(pos);
        const at = combined.indexOf(tag, from);
        if (at < 0) {
          this.current = combined;
          return chunk.length;
        }
        const endInCombined = at + tag.length;
        const consumed = endInCombined - this.current.length;
        this.current = combined.slice(0, endInCombined);
        this.state = 'normal';
        return pos + consumed;
      }
      case 'block-comment': {
        // Rare in dumps: one character at a time. Block comments nest; a character that completed a `/*` or
        // `*/` cannot start another.
        const c = chunk[pos]!;
        this.current += c;
        const p = this.blockPrev;
        this.blockPrev = c;
        if (p === '/' && c === '*') {
          this.blockDepth++;
          this.blockPrev = '';
        } else if (p === '*' && c === '/') {
          this.blockDepth--;
          this.blockPrev = '';
          if (this.blockDepth === 0) this.state = 'normal';
        }
        return pos + 1;
      }
      case 'normal': {
        NORMAL_SPECIAL.lastIndex = pos;
        const m = NORMAL_SPECIAL.exec(chunk);
        if (!m) return this.append(chunk, pos, chunk.length);
        this.current += chunk.slice(pos, m.index);
        this.normalCharacter(m[0]);
        return m.index + 1;
      }
    }
  }

  private append(chunk: string, from: number, to: number): number {
    this.current += chunk.slice(from, to);
    return to;
  }

  /** Appends up to and including `index` (or the whole chunk when -1), then the state is normal again. */
  private until(chunk: string, pos: number, index: number): number {
    if (index < 0) return this.append(chunk, pos, chunk.length);
    this.current += chunk.slice(pos, index + 1);
    this.state = 'normal';
    return index + 1;
  }

  /** A character that may change the state, outside any quote or comment. */
  private normalCharacter(c: string): void {
    const prev = this.current.length > 0 ? this.current[this.current.length - 1]! : '';
    const lineStart = this.current.length > 0 ? prev === '\n' : this.startsLine;
    if (c === '\\' && lineStart && stripLeadingComments(this.current) === '') {
      // psql reads a backslash at the start of a line (outside a statement) as a meta-command up to the line end.
      if (this.current.length > 0) this.out.push(this.current);
      this.current = c;
      this.state = 'meta';
      return;
    }
    this.current += c;
    switch (c) {
      case "'": {
        const beforePrev = this.current.length >= 3 ? this.current[this.current.length - 3]! : ' ';
        this.state = (prev === 'E' || prev === 'e') && !/[A-Za-z0-9_$]/.test(beforePrev) ? 'escape-squote' : 'squote';
        return;
      }
      case '"':
        this.state = 'dquote';
        return;
      case '-':
        if (prev === '-') this.state = 'line-comment';
        return;
      case '*':
        if (prev === '/') {
          this.state = 'block-comment';
          this.blockDepth = 1;
          this.blockPrev = '';
        }
        return;
      case '$': {
        // A dollar quote opens at "$tag$" not glued to an identifier (a name may contain $); seen at its
        // second dollar sign, so a tag split between two chunks is still recognised.
        const tag = /(?:^|[^A-Za-z0-9_$])(\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$)$/.exec(this.current.slice(-66));
        if (tag) {
          this.dollarTag = tag[1]!;
          this.dollarStart = this.current.length - this.dollarTag.length;
          this.state = 'dollar';
        }
        return;
      }
      case ';':
        this.complete();
        return;
      default:
        return;
    }
  }

  /** A statement ended (at its semicolon, or at the end of the script). */
  private complete(): void {
    const text = this.current;
    this.current = '';
    this.startsLine = false;
    const body = stripLeadingComments(text);
    const head = statementHead(body);
    const creates = head?.kind === 'CREATE DATABASE' ? 'database' : head?.kind === 'CREATE ROLE' && this.inGlobals ? 'role' : null;
    if (creates === 'role') this.facts.roles.push(head!.name);
    if (creates === 'database') this.facts.databases.push(head!.name);
    if (!(this.inGlobals && this.skips(body, head))) {
      this.out.push(text);
      // psql reaches the marker only if the statement succeeded; outside a transaction block that also
      // means it is committed (CREATE DATABASE cannot run inside one at all).
      if (creates !== null && this.marker !== null && !this.inTransactionBlock) this.out.push(`\n${this.markerCommand(creates, head!.name)}`);
    }
    if (/^(BEGIN|START\s+TRANSACTION)\b/i.test(body)) this.inTransactionBlock = true;
    else if (/^(COMMIT|END|ABORT|PREPARE\s+TRANSACTION)\b/i.test(body) || /^ROLLBACK\b(?!\s+TO\b)/i.test(body)) this.inTransactionBlock = false;
    // COPY ... FROM stdin: the data follows as raw lines up to `\.`; the rest of this line is its first.
    if (/^COPY\b[\s\S]*\bFROM\s+stdin\s*;$/i.test(body)) {
      this.state = 'copy';
    }
  }

  /**
   * The marker, where the script restricts psql (pg_dump since 17.6, 16.10, 15.14, ... writes `\restrict KEY`)
   * with the restriction lifted for that one line and put back with the script's own key: no text of the
   * script runs unrestricted.
   */
  private markerCommand(kind: CreatedKind, name: string): string {
    const marker = this.marker!(kind, name);
    return this.restrictKey === null ? marker : `\\unrestrict ${this.restrictKey}\n${marker}\\restrict ${this.restrictKey}\n`;
  }

  /** Whether a globals-section statement is about a role the restore must not touch. */
  private skips(body: string, head: { kind: string; name: string } | null): boolean {
    if (this.skipRoles.size === 0) return false;
    if (head && (head.kind === 'CREATE ROLE' || head.kind === 'ALTER ROLE' || head.kind === 'COMMENT ON ROLE')) {
      return this.skipRoles.has(head.name);
    }
    // GRANT <group> TO <member> ...: a membership given to a skipped role alters it.
    const grant = /^GRANT\s+/i.exec(body);
    if (!grant) return false;
    const group = readIdentifier(body, grant[0].length);
    if (!group) return false;
    const to = /^\s+TO\s+/i.exec(body.slice(group.end));
    if (!to) return false;
    const member = readIdentifier(body, group.end + to[0].length);
    return member !== null && this.skipRoles.has(member.name);
  }
}

/** A statement's text without its leading whitespace and comments (pg_dump puts headers before statements). */
function stripLeadingComments(text: string): string {
  let i = 0;
  for (;;) {
    while (i < text.length && /\s/.test(text[i]!)) i++;
    if (text.startsWith('--', i)) {
      const nl = text.indexOf('\n', i);
      if (nl < 0) return '';
      i = nl + 1;
    } else if (text.startsWith('/*', i)) {
      let depth = 0;
      do {
        if (text.startsWith('/*', i)) {
          depth++;
          i += 2;
        } else if (text.startsWith('*/', i)) {
          depth--;
          i += 2;
        } else {
          i++;
        }
      } while (depth > 0 && i < text.length);
    } else {
      return text.slice(i);
    }
  }
}

const KINDS: Array<{ kind: string; pattern: RegExp }> = [
  { kind: 'CREATE ROLE', pattern: /^CREATE\s+ROLE\s+/i },
  { kind: 'ALTER ROLE', pattern: /^ALTER\s+ROLE\s+/i },
  { kind: 'COMMENT ON ROLE', pattern: /^COMMENT\s+ON\s+ROLE\s+/i },
  { kind: 'CREATE DATABASE', pattern: /^CREATE\s+DATABASE\s+/i },
];

function statementHead(body: string): { kind: string; name: string } | null {
  for (const { kind, pattern } of KINDS) {
    const m = pattern.exec(body);
    if (!m) continue;
    const id = readIdentifier(body, m[0].length);
    return id ? { kind, name: id.name } : null;
  }
  return null;
}

/** A quoted ("" doubled) or bare identifier at `start`; bare ones are folded to lower case, as the server does. */
export function readIdentifier(text: string, start: number): { name: string; end: number } | null {
  if (text[start] === '"') {
    let name = '';
    for (let i = start + 1; i < text.length; i++) {
      if (text[i] === '"') {
        if (text[i + 1] === '"') {
          name += '"';
          i++;
        } else {
          return { name, end: i + 1 };
        }
      } else {
        name += text[i];
      }
    }
    return null;
  }
  const bare = /^[A-Za-z_\u0080-\uffff][A-Za-z0-9_$\u0080-\uffff]*/.exec(text.slice(start));
  return bare ? { name: bare[0].toLowerCase(), end: start + bare[0].length } : null;
}
