// Which `extraArgs` items may be passed to pg_dump / pg_dumpall.
//
// pgbackops decides how a Node is reached (the environment, see libpq-env.ts), where the output goes and in
// which format, compression and parallelism; an extra argument must not change any of that. Items are checked
// the way the tools' getopt_long reads them, so the checks cannot be dodged by spelling:
// - a long option may be abbreviated to any unambiguous prefix (`--fi=/tmp/x` is `--file`), so a name that
//   is a prefix of a refused option is refused, unless it is exactly another option;
// - short options can be bundled (`-vf/tmp/x` is `-v -f /tmp/x`), so every letter of a bundle is checked;
// - an option that takes a value must carry it in the same item (`--lock-wait-timeout=30s`, `-nsales`):
//   otherwise it would swallow the next argv element, which is one of pgbackops' own fixed flags;
// - anything that is not an option is refused: pg_dump reads a bare word as the database name, and reads it
//   as a connection string when it contains '=' (a bare word is also how `--` would end option parsing).
// Also refused: --help and --version, which exit 0 without dumping anything; and the options that make the
// dump script act on objects other than what a restore creates: --clean (DROP statements: a cluster dump would
// drop existing databases and roles of the target, a plain dump objects of whatever it is loaded into) and
// pg_dump's --create (CREATE DATABASE and `\connect` to the SOURCE name: loaded into a copy, the rest of the
// script would write into the original database on that node). A restore never overwrites (docs/restore.md).

export type DumpTool = 'pg_dump' | 'pg_dumpall';

interface ToolOptions {
  /** Long options pgbackops controls, without the leading dashes. */
  refusedLong: readonly string[];
  /** Short options pgbackops controls. */
  refusedShort: string;
  /** Long options (without dashes) that would make a restore touch what it did not create. */
  unsafeForRestoreLong: readonly string[];
  /** Short options that would make a restore touch what it did not create. */
  unsafeForRestoreShort: string;
  /** Short options that take a value. */
  shortWithValue: string;
}

// Long options that take a value, over pg_dump and pg_dumpall 10-18 (a union: being strict here costs
// nothing but a clear error message asking for `--opt=value`).
const LONG_WITH_VALUE: readonly string[] = [
  'dbname', 'host', 'port', 'username', 'database', 'file', 'format', 'jobs', 'compress', 'extension',
  'exclude-extension', 'encoding', 'schema', 'exclude-schema', 'superuser', 'table', 'exclude-table',
  'exclude-table-data', 'table-and-children', 'exclude-table-and-children', 'exclude-table-data-and-children',
  'exclude-database', 'extra-float-digits', 'include-foreign-data', 'lock-wait-timeout', 'restrict-key',
  'rows-per-insert', 'section', 'snapshot', 'role', 'filter', 'sync-method',
];

// Long options without a value whose names start like a refused one (`--column-inserts` is no `--clean`,
// `--create-slot` does not exist, but getopt_long prefers exact names, so list the real ones that could be
// read as abbreviations of an unsafe option).
const OTHER_LONG: readonly string[] = ['column-inserts'];

const CONNECTION_LONG = ['dbname', 'host', 'port', 'username', 'password'];
const EXITS_EARLY_LONG = ['help', 'version'];

const TOOLS: Record<DumpTool, ToolOptions> = {
  pg_dump: {
    refusedLong: [
      ...CONNECTION_LONG, ...EXITS_EARLY_LONG,
      'file', 'format', 'jobs', 'compress',
      // The backup type (full / schema / data) decides these.
      'schema-only', 'data-only', 'statistics-only', 'no-data', 'no-schema',
    ],
    refusedShort: 'dhpUWfFjZsaV?',
    unsafeForRestoreLong: ['clean', 'create'],
    unsafeForRestoreShort: 'cC',
    shortWithValue: 'deEfFhjnNpStTUZ',
  },
  pg_dumpall: {
    refusedLong: [
      ...CONNECTION_LONG, ...EXITS_EARLY_LONG,
      'database', 'file', 'format', 'compress',
      // A cluster backup is all of it: not only globals, roles or tablespaces, not only schema or data.
      'globals-only', 'roles-only', 'tablespaces-only', 'schema-only', 'data-only', 'statistics-only', 'no-data', 'no-schema',
    ],
    refusedShort: 'dhpUWlfFgrtsaV?',
    unsafeForRestoreLong: ['clean'],
    unsafeForRestoreShort: 'c',
    shortWithValue: 'dEfFhlpSU',
  },
};

/** Why `arg` may not be an extraArgs item of `tool`, or null when it may. */
export function extraArgProblem(arg: string, tool: DumpTool): string | null {
  const options = TOOLS[tool];
  // A NUL cannot travel in argv at all; a line break would make the run log ambiguous.
  if (/[\0\r\n]/.test(arg)) return 'it contains a NUL or a line break';
  if (arg === '' || arg === '-' || !arg.startsWith('-')) {
    return `${JSON.stringify(arg)} is not an option (${tool} would read a bare word as the database or connection string); write one option per item, value attached`;
  }
  if (arg === '--') return '"--" would turn the options after it into database names';
  if (arg.startsWith('--')) return longOptionProblem(tool, options, arg);
  return shortOptionsProblem(tool, options, arg);
}

/**
 * Whether an option of `tool` takes a value: `long` without its dashes (`lock-wait-timeout`), or one short
 * letter. Also what reading a whole pg_dump command line needs (src/core/import/dump-argv.ts).
 */
export function optionTakesValue(tool: DumpTool, option: { long: string } | { short: string }): boolean {
  return 'long' in option ? LONG_WITH_VALUE.includes(option.long) : TOOLS[tool].shortWithValue.includes(option.short);
}

/** Every problem of a list of extraArgs items, in order. */
export function extraArgsProblems(args: readonly string[], tool: DumpTool): string[] {
  return args.map((arg) => extraArgProblem(arg, tool)).filter((p): p is string => p !== null);
}

function longOptionProblem(tool: DumpTool, options: ToolOptions, arg: string): string | null {
  const eq = arg.indexOf('=');
  const name = arg.slice(2, eq === -1 ? undefined : eq);
  const exact = (list: readonly string[]) => list.includes(name);
  const abbreviates = (list: readonly string[]) => list.some((o) => o.startsWith(name));
  // getopt_long prefers an exact match over abbreviations: --schema is --schema even though --schema-only exists.
  const refused = exact(options.refusedLong) || (!exact(LONG_WITH_VALUE) && abbreviates(options.refusedLong));
  const unsafe = !exact(LONG_WITH_VALUE) && !exact(OTHER_LONG) && abbreviates(options.unsafeForRestoreLong);
  if (unsafe && !refused) return unsafeForRestore(tool, `--${name}`);
  if (refused) {
    return `${tool} option --${name} is managed by pgbackops (connection, output, format, compression, jobs or backup type) and cannot be given in extraArgs`;
  }
  if (eq === -1 && (exact(LONG_WITH_VALUE) || abbreviates(LONG_WITH_VALUE))) {
    return `--${name} takes a value: write it in the same item, as --${name}=VALUE`;
  }
  return null;
}

function shortOptionsProblem(tool: DumpTool, options: ToolOptions, arg: string): string | null {
  for (let i = 1; i < arg.length; i++) {
    const letter = arg[i] as string;
    if (options.unsafeForRestoreShort.includes(letter)) return unsafeForRestore(tool, `-${letter}`);
    if (options.refusedShort.includes(letter)) {
      return `${tool} option -${letter} is managed by pgbackops (connection, output, format, compression, jobs or backup type) and cannot be given in extraArgs`;
    }
    if (options.shortWithValue.includes(letter)) {
      // The rest of the item is the value.
      if (i === arg.length - 1) return `-${letter} takes a value: write it in the same item, as -${letter}VALUE`;
      return null;
    }
  }
  return null;
}

function unsafeForRestore(tool: DumpTool, option: string): string {
  return `${tool} option ${option} makes the dump drop or connect to objects other than the ones a restore creates (a restore never overwrites), so it cannot be given in extraArgs`;
}
