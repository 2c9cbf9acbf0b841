// extraArgs are passed to pg_dump / pg_dumpall as separate argv items (never through a shell). What they
// must not do is take over what pgbackops controls: the connection (it comes from the Node), where the
// output goes and in which format, and the options that have their own field in the spec.

export type DumpTool = 'pg_dump' | 'pg_dumpall';

interface Forbidden {
  long: string;
  short?: string;
  why: string;
}

const FORBIDDEN: readonly Forbidden[] = [
  { long: 'file', short: 'f', why: 'pgbackops decides where the output goes' },
  { long: 'format', short: 'F', why: 'use spec.format' },
  { long: 'dbname', short: 'd', why: 'the connection comes from the Node and spec.databases' },
  { long: 'host', short: 'h', why: 'the connection comes from the Node (spec.host)' },
  { long: 'port', short: 'p', why: 'the connection comes from the Node (spec.port)' },
  { long: 'username', short: 'U', why: 'the connection comes from the Node (spec.user)' },
  { long: 'password', short: 'W', why: 'passwords come from libpq (passfile, service), never from a prompt' },
  { long: 'jobs', short: 'j', why: 'use spec.jobs' },
  { long: 'compress', short: 'Z', why: 'use spec.compression' },
  { long: 'version', short: 'V', why: 'it prints the version instead of dumping' },
  { long: 'help', short: '?', why: 'it prints help instead of dumping' },
];

/** Short options that take a value (the rest of the item, `-nmyschema`), per tool. */
const SHORT_WITH_VALUE: Readonly<Record<DumpTool, string>> = {
  pg_dump: 'dEefFhjnNpStTUZ',
  pg_dumpall: 'dEfhlpSU',
};

/** Why an extraArgs item is refused, or null when it may be passed. */
export function extraArgProblem(arg: string, tool: DumpTool): string | null {
  if (/[\0\r\n]/.test(arg)) return 'it contains a NUL or line break';
  if (arg === '' || !arg.startsWith('-')) {
    return `${JSON.stringify(arg)} is not an option: write each option as one item with its value attached ` +
      '(--exclude-table=audit.log, -naudit); a separate word would be read as a database name';
  }
  if (arg === '--') return '"--" ends the options, so what follows would be read as a database name';
  if (arg.startsWith('--')) {
    const name = arg.slice(2).split('=')[0]!;
    // getopt_long accepts any unambiguous prefix (--user, --pass, --fil), so refuse prefixes as well.
    const hit = FORBIDDEN.find((f) => name !== '' && f.long.startsWith(name));
    return hit ? `${JSON.stringify(arg)} sets --${hit.long}: ${hit.why}` : null;
  }
  // Clustered short options: -vf means -v -f; a value-taking option swallows the rest of the item.
  for (const letter of arg.slice(1)) {
    const hit = FORBIDDEN.find((f) => f.short === letter);
    if (hit) return `${JSON.stringify(arg)} sets -${letter} (--${hit.long}): ${hit.why}`;
    if (SHORT_WITH_VALUE[tool].includes(letter)) return null;
  }
  return null;
}
