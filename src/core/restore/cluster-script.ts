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
//   ROLE, COMMENT ON ROLE and the GRANTs that make it a member of something.
// Everything after the first `\connect` passes through unchanged.

export interface ClusterScriptFacts {
  /** Roles created by the script, in script order. */
  roles: string[];
  /** Databases created by the script (postgres and template1 are loaded into the existing ones). */
  databases: string[];
}

type State = 'normal' | 'squote' | 'escape-squote' | 'escape-squote-backslash' | 'dquote' | 'dollar' | 'line-comment' | 'block-comment' | 'meta' | 'copy';

export class ClusterScriptScanner {
  readonly facts: ClusterScriptFacts = { roles: [], databases: [] };
  private state: State = 'normal';
  /** Text of the statement (or meta-command, or COPY data line) in progress. */
  private current = '';
  private dollarTag = '';
  private blockDepth = 0;
  private atLineStart = true;
  private inGlobals = true;
  private out: string[] = [];

  /** @param skipRoles roles whose globals-section statements are left out of the output */
  constructor(private readonly skipRoles: ReadonlySet<string> = new Set()) {}

  /** Scans a chunk; returns the output of every statement completed so far (a statement may span chunks). */
  feed(chunk: string): string {
    for (let i = 0; i < chunk.length; i++) this.step(chunk, i);
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

  private step(chunk: string, i: number): void {
    const c = chunk[i]!;
    const lineStart = this.atLineStart;
    this.atLineStart = c === '\n';
    this.current += c;
    switch (this.state) {
      case 'copy':
        // One data line at a time: a large table is never held in memory.
        if (c === '\n') {
          const endOfData = this.current === '\\.\n';
          this.out.push(this.current);
          this.current = '';
          if (endOfData) this.state = 'normal';
        }
        return;
      case 'meta':
        if (c === '\n') {
          if (/^\\connect\b/.test(this.current)) this.inGlobals = false;
          this.out.push(this.current);
          this.current = '';
          this.state = 'normal';
        }
        return;
      case 'line-comment':
        if (c === '\n') this.state = 'normal';
        return;
      case 'block-comment':
        if (c === '*' && chunk[i - 1] === '/' && !this.current.endsWith('/*/')) this.blockDepth++;
        else if (c === '/' && chunk[i - 1] === '*' && !this.current.endsWith('/*/')) {
          this.blockDepth--;
          if (this.blockDepth === 0) this.state = 'normal';
        }
        return;
      case 'squote':
        if (c === "'") this.state = 'normal'; // a doubled '' simply re-enters the string
        return;
      case 'escape-squote':
        if (c === '\\') this.state = 'escape-squote-backslash';
        else if (c === "'") this.state = 'normal';
        return;
      case 'escape-squote-backslash':
        this.state = 'escape-squote';
        return;
      case 'dquote':
        if (c === '"') this.state = 'normal';
        return;
      case 'dollar':
        if (c === '$' && this.current.endsWith(this.dollarTag) && this.current.length - this.dollarTag.length >= this.dollarStart + this.dollarTag.length) {
          this.state = 'normal';
        }
        return;
      case 'normal':
        break;
    }
    if (lineStart && c === '\\' && this.current.trim() === '\\') {
      // psql reads a backslash at the start of a line (outside a statement) as a meta-command up to the line end.
      this.out.push(this.current.slice(0, -1));
      this.current = c;
      this.state = 'meta';
      return;
    }
    const prev = this.current.length >= 2 ? this.current[this.current.length - 2]! : ' ';
    if (c === "'") {
      const beforePrev = this.current.length >= 3 ? this.current[this.current.length - 3]! : ' ';
      this.state = (prev === 'E' || prev === 'e') && !/[A-Za-z0-9_$]/.test(beforePrev) ? 'escape-squote' : 'squote';
    } else if (c === '"') {
      this.state = 'dquote';
    } else if (c === '-' && prev === '-' && this.current.length >= 2) {
      this.state = 'line-comment';
    } else if (c === '*' && prev === '/') {
      this.state = 'block-comment';
      this.blockDepth = 1;
    } else if (c === '$') {
      // A dollar quote opens at "$tag$" not glued to an identifier (a name may contain $).
      const tag = /^\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$/.exec(chunk.slice(i, i + 64));
      if (tag && !/[A-Za-z0-9_$]/.test(prev)) {
        this.dollarTag = tag[0];
        this.dollarStart = this.current.length - 1;
        this.state = 'dollar';
      }
    } else if (c === ';') {
      this.complete();
    }
  }

  private dollarStart = 0;

  /** A statement ended (at its semicolon, or at the end of the script). */
  private complete(): void {
    const text = this.current;
    this.current = '';
    const body = stripLeadingComments(text);
    const head = statementHead(body);
    if (head?.kind === 'CREATE ROLE' && this.inGlobals) this.facts.roles.push(head.name);
    if (head?.kind === 'CREATE DATABASE') this.facts.databases.push(head.name);
    if (!(this.inGlobals && this.skips(body, head))) this.out.push(text);
    // COPY ... FROM stdin: the data follows as raw lines up to `\.`; the rest of this line is its first.
    if (/^COPY\b[\s\S]*\bFROM\s+stdin\s*;$/i.test(body)) {
      this.state = 'copy-pending' as State;
      this.state = 'copy';
      this.pendingCopyNewline = true;
    }
  }

  private pendingCopyNewline = false;

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

/** Leading `--` comments and blank lines of a statement's text (pg_dumpall puts headers before statements). */
function stripLeadingComments(text: string): string {
  let rest = text;
  for (;;) {
    const trimmed = rest.replace(/^\s+/, '');
    if (trimmed.startsWith('--')) {
      const nl = trimmed.indexOf('\n');
      rest = nl < 0 ? '' : trimmed.slice(nl + 1);
    } else {
      return trimmed;
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
