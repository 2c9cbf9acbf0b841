// POSIX sh words, read without a shell: enough of sh to understand the command part of a crontab line or
// PgBackMan's extra_backup_parameters (which pgbackman_dump pasted into a `sh -c` line), never to run it.
//
// Understood: blanks, '...' and "..." quoting, backslash escapes, `#` comments, variable assignments before
// a command (`PGPASSWORD=x pg_dump ...`), redirections (`> f`, `>> f`, `2>&1`, `&> f`, `< f`), and the list
// operators `;`, `&&`, `||`, `|`, `&`. `$VAR`, `${VAR}`, `$(...)` and backquotes are kept as written and
// mark their word as dynamic (its value is only known when a shell runs it). Refused, with a reason:
// unterminated quotes or substitutions, subshells and groups (`( )`, `{ }`), here-documents, and control
// structures (if/for/while/case), whose meaning a word list cannot carry.

export interface ShellWord {
  /** The word after quote removal; substitutions are kept as written (`$(date +%F)`). */
  text: string;
  /** Holds an expansion ($VAR, ${..}, $(..), `..`, a leading ~): its value is known only at run time. */
  dynamic: boolean;
}

export interface Redirection {
  /** File descriptor redirected (1 for `>`, 0 for `<`, 2 for `2>`); null for `&>` (stdout and stderr). */
  fd: number | null;
  op: '>' | '>>' | '<' | '>&' | '<&';
  target: ShellWord;
}

export interface SimpleCommand {
  /** NAME=value words before the command name. */
  assignments: Array<{ name: string; value: ShellWord }>;
  /** The command name and its arguments. */
  words: ShellWord[];
  redirections: Redirection[];
  /** The operator that joins this command to the one before it (null for the first). */
  after: ListOperator | null;
}

export type ListOperator = ';' | '&&' | '||' | '|' | '&';

export type ShellParse = { ok: true; commands: SimpleCommand[] } | { ok: false; problem: string };

const RESERVED = new Set(['if', 'then', 'else', 'elif', 'fi', 'for', 'while', 'until', 'do', 'done', 'case', 'esac', 'function', '!', '[[']);
const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;

type Token =
  | { kind: 'word'; word: ShellWord; /** the raw text had no quoting at all (for reserved words and assignments) */ bare: boolean; nameEnd: number }
  | { kind: 'op'; op: ListOperator }
  | { kind: 'redirect'; fd: number | null; op: Redirection['op'] };

class ShellSyntaxError extends Error {}

/** Splits a command line into simple commands; never throws. */
export function parseShell(line: string): ShellParse {
  let tokens: Token[];
  try {
    tokens = tokenize(line);
  } catch (err) {
    if (err instanceof ShellSyntaxError) return { ok: false, problem: err.message };
    throw err;
  }
  const commands: SimpleCommand[] = [];
  let current: SimpleCommand = { assignments: [], words: [], redirections: [], after: null };
  const empty = (c: SimpleCommand) => c.assignments.length === 0 && c.words.length === 0 && c.redirections.length === 0;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind === 'op') {
      if (empty(current)) {
        if (t.op === ';' && commands.length === 0) continue;
        return { ok: false, problem: `"${t.op}" without a command before it` };
      }
      commands.push(current);
      current = { assignments: [], words: [], redirections: [], after: t.op };
      continue;
    }
    if (t.kind === 'redirect') {
      const target = tokens[i + 1];
      if (!target || target.kind !== 'word') return { ok: false, problem: `redirection ${t.op} without a target` };
      current.redirections.push({ fd: t.fd, op: t.op, target: target.word });
      i++;
      continue;
    }
    if (current.words.length === 0) {
      if (t.bare && RESERVED.has(t.word.text)) return { ok: false, problem: `shell control structure "${t.word.text}" is not understood` };
      if (t.nameEnd > 0) {
        current.assignments.push({ name: t.word.text.slice(0, t.nameEnd), value: { text: t.word.text.slice(t.nameEnd + 1), dynamic: t.word.dynamic } });
        continue;
      }
    }
    current.words.push(t.word);
  }
  if (!empty(current)) commands.push(current);
  else if (current.after !== null && current.after !== ';' && current.after !== '&') return { ok: false, problem: `"${current.after}" without a command after it` };
  return { ok: true, commands };
}

function tokenize(line: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const n = line.length;
  while (i < n) {
    const c = line[i]!;
    if (c === ' ' || c === '\t') { i++; continue; }
    if (c === '\n') { tokens.push({ kind: 'op', op: ';' }); i++; continue; }
    if (c === '#') break; // a comment runs to the end of the line
    if (c === '(' || c === ')' || c === '{' && isWordEnd(line[i + 1])) throw new ShellSyntaxError(`subshells and groups ("${c}") are not understood`);
    if (c === ';') {
      if (line[i + 1] === ';') throw new ShellSyntaxError('";;" (case) is not understood');
      tokens.push({ kind: 'op', op: ';' }); i++; continue;
    }
    if (c === '&') {
      if (line[i + 1] === '&') { tokens.push({ kind: 'op', op: '&&' }); i += 2; continue; }
      if (line[i + 1] === '>') {
        const append = line[i + 2] === '>';
        tokens.push({ kind: 'redirect', fd: null, op: append ? '>>' : '>' });
        i += append ? 3 : 2;
        continue;
      }
      tokens.push({ kind: 'op', op: '&' }); i++; continue;
    }
    if (c === '|') {
      if (line[i + 1] === '|') { tokens.push({ kind: 'op', op: '||' }); i += 2; continue; }
      if (line[i + 1] === '&') throw new ShellSyntaxError('"|&" is not understood');
      tokens.push({ kind: 'op', op: '|' }); i++; continue;
    }
    if (c === '<' || c === '>') {
      i = readRedirect(line, i, null, tokens);
      continue;
    }
    // A word; digits directly followed by < or > are a file descriptor instead.
    const fd = /^(\d+)(?=[<>])/.exec(line.slice(i));
    if (fd) {
      i = readRedirect(line, i + fd[1]!.length, Number(fd[1]), tokens);
      continue;
    }
    const { token, end } = readWord(line, i);
    tokens.push(token);
    i = end;
  }
  return tokens;
}

function readRedirect(line: string, i: number, fd: number | null, tokens: Token[]): number {
  const c = line[i]!;
  if (c === '<') {
    if (line[i + 1] === '<') throw new ShellSyntaxError('here-documents ("<<") are not understood');
    if (line[i + 1] === '&') { tokens.push({ kind: 'redirect', fd: fd ?? 0, op: '<&' }); return i + 2; }
    if (line[i + 1] === '(') throw new ShellSyntaxError('process substitution is not understood');
    tokens.push({ kind: 'redirect', fd: fd ?? 0, op: '<' });
    return i + 1;
  }
  if (line[i + 1] === '>') { tokens.push({ kind: 'redirect', fd: fd ?? 1, op: '>>' }); return i + 2; }
  if (line[i + 1] === '&') { tokens.push({ kind: 'redirect', fd: fd ?? 1, op: '>&' }); return i + 2; }
  if (line[i + 1] === '|') { tokens.push({ kind: 'redirect', fd: fd ?? 1, op: '>' }); return i + 2; }
  if (line[i + 1] === '(') throw new ShellSyntaxError('process substitution is not understood');
  tokens.push({ kind: 'redirect', fd: fd ?? 1, op: '>' });
  return i + 1;
}

function isWordEnd(c: string | undefined): boolean {
  return c === undefined || c === ' ' || c === '\t' || c === '\n';
}

const WORD_END = new Set([' ', '\t', '\n', ';', '&', '|', '<', '>', '(', ')']);

function readWord(line: string, start: number): { token: Token; end: number } {
  let text = '';
  let dynamic = false;
  let bare = true;
  // Where the assignment's name ends (index of '='), when the word starts with NAME= unquoted.
  const assignment = ASSIGNMENT.exec(line.slice(start));
  const nameEnd = assignment ? assignment[0].length - 1 : 0;
  let i = start;
  while (i < line.length && !WORD_END.has(line[i]!)) {
    const c = line[i]!;
    if (c === '\\') {
      bare = false;
      if (i + 1 >= line.length) throw new ShellSyntaxError('a backslash at the end of the line');
      if (line[i + 1] !== '\n') text += line[i + 1];
      i += 2;
    } else if (c === "'") {
      bare = false;
      const close = line.indexOf("'", i + 1);
      if (close === -1) throw new ShellSyntaxError('unterminated single quote');
      text += line.slice(i + 1, close);
      i = close + 1;
    } else if (c === '"') {
      bare = false;
      i++;
      for (;;) {
        if (i >= line.length) throw new ShellSyntaxError('unterminated double quote');
        const d = line[i]!;
        if (d === '"') { i++; break; }
        if (d === '\\' && i + 1 < line.length && '$`"\\\n'.includes(line[i + 1]!)) {
          if (line[i + 1] !== '\n') text += line[i + 1];
          i += 2;
        } else if (d === '$' || d === '`') {
          const end = readExpansion(line, i);
          if (end > i + 1) dynamic = true;
          text += line.slice(i, end);
          i = end;
        } else {
          text += d;
          i++;
        }
      }
    } else if (c === '$' || c === '`') {
      const end = readExpansion(line, i);
      if (end > i + 1) dynamic = true;
      text += line.slice(i, end);
      i = end;
    } else {
      // A leading ~ is the home directory: known only where the line runs. Glob characters are kept as
      // written, which is what sh does with a pattern that matches no file (`--exclude-table=audit.*`).
      if (c === '~' && i === start) dynamic = true;
      text += c;
      i++;
    }
  }
  return { token: { kind: 'word', word: { text, dynamic }, bare, nameEnd }, end: i };
}

/** End (exclusive) of the expansion starting at line[i] ('$' or '`'); a lone '$' is just a character. */
function readExpansion(line: string, i: number): number {
  if (line[i] === '`') {
    for (let j = i + 1; j < line.length; j++) {
      if (line[j] === '\\') { j++; continue; }
      if (line[j] === '`') return j + 1;
    }
    throw new ShellSyntaxError('unterminated backquote');
  }
  const next = line[i + 1];
  if (next === '(') return matchingParen(line, i + 1);
  if (next === '{') {
    const close = line.indexOf('}', i + 2);
    if (close === -1) throw new ShellSyntaxError('unterminated ${');
    return close + 1;
  }
  const name = /^([A-Za-z_][A-Za-z0-9_]*|[0-9@*#?$!-])/.exec(line.slice(i + 1));
  return name ? i + 1 + name[0].length : i + 1;
}

/** Index after the ')' matching the '(' at line[open], skipping quoted text and nested substitutions. */
function matchingParen(line: string, open: number): number {
  let depth = 0;
  for (let j = open; j < line.length; j++) {
    const c = line[j]!;
    if (c === '\\') { j++; continue; }
    if (c === "'") {
      const close = line.indexOf("'", j + 1);
      if (close === -1) break;
      j = close;
      continue;
    }
    if (c === '"') {
      for (j++; j < line.length && line[j] !== '"'; j++) if (line[j] === '\\') j++;
      continue;
    }
    if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return j + 1;
  }
  throw new ShellSyntaxError('unterminated $(');
}

/** The last path component of a command name (`/usr/lib/postgresql/15/bin/pg_dump` -> `pg_dump`). */
export function programName(word: ShellWord): string {
  const slash = word.text.lastIndexOf('/');
  return slash === -1 ? word.text : word.text.slice(slash + 1);
}
