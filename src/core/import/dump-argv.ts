// A pg_dump / pg_dumpall command line read the way the tools' getopt_long reads it (bundled short options,
// values attached or in the next word, unambiguous long-option prefixes), and turned into the fields of a
// pgbackops Backup: what the connection is, which type and format, the schema/table filters, and the
// options that can travel as extraArgs. Options pgbackops decides itself or cannot pass are reported. Pure.
import type { DumpTool } from '../dump/extra-args.js';
import { extraArgProblem, optionTakesValue } from '../dump/extra-args.js';
import { looksLikeConninfo, parseConninfo, type Conninfo } from './conninfo.js';
import type { ShellWord } from './sh-words.js';

export interface DumpArgs {
  tool: DumpTool;
  /** Connection settings from -h/-p/-U and from a connection string given as -d or as the database. */
  connection: Conninfo;
  /** The database named on the command line (not in a connection string). */
  database: ShellWord | null;
  format: 'custom' | 'directory' | 'plain' | 'tar' | null;
  /** -f / --file as written. */
  file: ShellWord | null;
  jobs: number | null;
  /** -Z / --compress as written. */
  compress: string | null;
  schemaOnly: boolean;
  dataOnly: boolean;
  /** pg_dumpall -g / -r / -t: roles or tablespaces only, not the databases. */
  globalsOnly: boolean;
  includeSchemas: string[];
  excludeSchemas: string[];
  includeTables: string[];
  excludeTables: string[];
  /** Options passed through unchanged, one item each, value attached. */
  extraArgs: string[];
  /** Options left out, with the reason. */
  dropped: Array<{ arg: string; why: string }>;
  /** A problem that makes the whole command unreadable (a value missing, an unknown word). */
  problem: string | null;
}

type Handler = (a: DumpArgs, value: string, raw: ShellWord | null) => void;

/** Options with a meaning of their own; everything else is a candidate for extraArgs. */
function handlers(tool: DumpTool): Record<string, { short?: string; handle: Handler }> {
  const common: Record<string, { short?: string; handle: Handler }> = {
    host: { short: 'h', handle: (a, v) => { a.connection.host = v; } },
    port: { short: 'p', handle: (a, v) => { a.connection.port = v; } },
    username: { short: 'U', handle: (a, v) => { a.connection.user = v; } },
    dbname: { short: 'd', handle: (a, v, raw) => connectionArgument(a, v, raw) },
    file: { short: 'f', handle: (a, _v, raw) => { a.file = raw; } },
    format: { short: 'F', handle: (a, v) => { a.format = formatOf(v) ?? a.format; if (formatOf(v) === null) a.problem = `unknown format ${JSON.stringify(v)}`; } },
    password: { short: 'W', handle: () => undefined },
    'no-password': { short: 'w', handle: () => undefined },
    verbose: { short: 'v', handle: () => undefined },
    'schema-only': { short: 's', handle: (a) => { a.schemaOnly = true; } },
    'data-only': { short: 'a', handle: (a) => { a.dataOnly = true; } },
    compress: { short: 'Z', handle: (a, v) => { a.compress = v; } },
  };
  if (tool === 'pg_dumpall') {
    return {
      ...common,
      'globals-only': { short: 'g', handle: (a) => { a.globalsOnly = true; } },
      'roles-only': { short: 'r', handle: (a) => { a.globalsOnly = true; } },
      'tablespaces-only': { short: 't', handle: (a) => { a.globalsOnly = true; } },
      // pg_dumpall's -l is the database it connects to first; pgbackops uses the Node's maintenanceDatabase.
      database: { short: 'l', handle: (a, v) => a.dropped.push({ arg: `--database=${v}`, why: 'pgbackops connects to the Node\'s maintenanceDatabase' }) },
    };
  }
  return {
    ...common,
    jobs: { short: 'j', handle: (a, v) => { a.jobs = /^\d+$/.test(v) ? Number(v) : a.jobs; if (!/^\d+$/.test(v)) a.problem = `-j ${JSON.stringify(v)} is not a number`; } },
    schema: { short: 'n', handle: (a, v) => { a.includeSchemas.push(v); } },
    'exclude-schema': { short: 'N', handle: (a, v) => { a.excludeSchemas.push(v); } },
    table: { short: 't', handle: (a, v) => { a.includeTables.push(v); } },
    'exclude-table': { short: 'T', handle: (a, v) => { a.excludeTables.push(v); } },
  };
}

function formatOf(v: string): DumpArgs['format'] | null {
  const f = v.toLowerCase();
  if (f === 'c' || f === 'custom') return 'custom';
  if (f === 'd' || f === 'directory') return 'directory';
  if (f === 'p' || f === 'plain') return 'plain';
  if (f === 't' || f === 'tar') return 'tar';
  return null;
}

/** -d / the database argument: a name, or a whole connection string (libpq's rule: it has `=` or a URI prefix). */
function connectionArgument(a: DumpArgs, value: string, raw: ShellWord | null): void {
  if (!looksLikeConninfo(value)) {
    a.database = raw ?? { text: value, dynamic: false };
    return;
  }
  const parsed = parseConninfo(value);
  if (!parsed.ok) {
    a.problem = `the connection string is not readable: ${parsed.problem}`;
    return;
  }
  Object.assign(a.connection, parsed.params);
}

export function parseDumpArgs(tool: DumpTool, words: readonly ShellWord[]): DumpArgs {
  const a: DumpArgs = {
    tool, connection: {}, database: null, format: null, file: null, jobs: null, compress: null,
    schemaOnly: false, dataOnly: false, globalsOnly: false,
    includeSchemas: [], excludeSchemas: [], includeTables: [], excludeTables: [], extraArgs: [], dropped: [], problem: null,
  };
  const known = handlers(tool);
  const byShort = new Map(Object.entries(known).filter(([, h]) => h.short).map(([long, h]) => [h.short!, long]));
  let positionalOnly = false;
  for (let i = 0; i < words.length && a.problem === null; i++) {
    const word = words[i]!;
    const arg = word.text;
    if (positionalOnly || !arg.startsWith('-') || arg === '-') {
      positional(a, word);
      continue;
    }
    if (arg === '--') { positionalOnly = true; continue; }
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const written = arg.slice(2, eq === -1 ? undefined : eq);
      const long = resolveLong(written, Object.keys(known));
      const takesValue = optionTakesValue(tool, { long: long ?? written });
      let value: string | null = eq === -1 ? null : arg.slice(eq + 1);
      let raw: ShellWord | null = eq === -1 ? null : { text: value!, dynamic: word.dynamic };
      if (takesValue && value === null) {
        const next = words[++i];
        if (!next) { a.problem = `--${written} needs a value`; break; }
        value = next.text;
        raw = next;
      }
      if (long !== null) known[long]!.handle(a, value ?? '', raw);
      else passThrough(a, takesValue ? `--${written}=${value}` : arg);
      continue;
    }
    // Short options, possibly bundled: -vw, -Fc, -j4, -h host.
    for (let j = 1; j < arg.length; j++) {
      const letter = arg[j]!;
      const long = byShort.get(letter) ?? null;
      const takesValue = optionTakesValue(tool, { short: letter });
      if (takesValue) {
        let value = arg.slice(j + 1);
        let raw: ShellWord | null = { text: value, dynamic: word.dynamic };
        if (value === '') {
          const next = words[++i];
          if (!next) { a.problem = `-${letter} needs a value`; break; }
          value = next.text;
          raw = next;
        }
        if (long !== null) known[long]!.handle(a, value, raw);
        else passThrough(a, `-${letter}${value}`);
        break;
      }
      if (long !== null) known[long]!.handle(a, '', null);
      else passThrough(a, `-${letter}`);
    }
  }
  return a;
}

function positional(a: DumpArgs, word: ShellWord): void {
  if (a.tool === 'pg_dump' && a.database === null && !('dbname' in a.connection)) {
    connectionArgument(a, word.text, word);
    return;
  }
  a.problem = `unexpected argument ${JSON.stringify(word.text)}`;
}

/** getopt_long: an exact name, else the only option the text is a prefix of. */
function resolveLong(written: string, names: readonly string[]): string | null {
  if (names.includes(written)) return written;
  const candidates = names.filter((n) => n.startsWith(written));
  return candidates.length === 1 && written.length > 0 ? candidates[0]! : null;
}

function passThrough(a: DumpArgs, item: string): void {
  const problem = extraArgProblem(item, a.tool);
  if (problem === null) a.extraArgs.push(item);
  else a.dropped.push({ arg: item, why: problem });
}

/** The fields of a Backup/Snapshot spec that a command line's filters and options give, plus what was dropped. */
export interface DumpOptionFields {
  spec: Record<string, unknown>;
  /** Options that cannot be passed: `-x` and why. */
  dropped: Array<{ arg: string; why: string }>;
}

export function dumpOptionFields(a: DumpArgs): DumpOptionFields {
  const spec: Record<string, unknown> = {};
  if (a.includeSchemas.length > 0) spec.includeSchemas = a.includeSchemas;
  if (a.excludeSchemas.length > 0) spec.excludeSchemas = a.excludeSchemas;
  if (a.includeTables.length > 0) spec.includeTables = a.includeTables;
  if (a.excludeTables.length > 0) spec.excludeTables = a.excludeTables;
  if (a.extraArgs.length > 0) spec.extraArgs = a.extraArgs;
  return { spec, dropped: [...a.dropped] };
}

export type ImportedCompression = { method: 'gzip' | 'lz4' | 'zstd' | 'none'; level?: number };

/** pg_dump's -Z argument: a gzip level (0 = none), or METHOD[:LEVEL | :level=N] (pg_dump 16+). */
export function compressionOf(text: string): ImportedCompression | null {
  if (/^\d$/.test(text)) return text === '0' ? { method: 'none' } : { method: 'gzip', level: Number(text) };
  const m = /^(gzip|lz4|zstd|none)(?::(?:level=)?(\d+))?$/.exec(text);
  if (!m) return null;
  const method = m[1] as ImportedCompression['method'];
  if (method === 'none') return m[2] === undefined ? { method } : null;
  if (m[2] === undefined) return { method };
  const level = Number(m[2]);
  if (method === 'gzip' && level === 0) return { method: 'none' };
  return { method, level };
}
