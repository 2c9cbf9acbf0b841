// pgbackops(1), in roff, made from the command tree (command-tree.ts): the same definitions as --help and
// the completion scripts. `npm run generate` writes it to man/pgbackops.1 (scripts/gen-man.mjs); a unit
// test fails while that file is stale. Pure: no date, so the output depends only on the definitions.
import { allCommands, type CommandInfo, type OptionInfo } from './command-tree.js';

/** roff text: a backslash, and a leading dot or quote that would read as a request. */
function esc(text: string): string {
  return text.replace(/\\/g, '\\e').replace(/-/g, '\\-').replace(/^([.'])/gm, '\\&$1');
}

function optionLines(options: readonly OptionInfo[]): string[] {
  return options.flatMap((o) => {
    const extra = [o.choices ? `one of: ${o.choices.join(', ')}` : '', o.defaultValue !== undefined ? `default: ${o.defaultValue}` : ''].filter(Boolean).join('; ');
    return ['.TP', `.B ${esc(o.flags)}`, esc(o.description + (extra ? ` (${extra})` : ''))];
  });
}

export function manPage(tree: CommandInfo, version: string): string {
  const out = [
    `.TH PGBACKOPS 1 "" "pgbackops ${esc(version)}" "User Commands"`,
    '.SH NAME',
    `pgbackops \\- ${esc(tree.description)}`,
    '.SH SYNOPSIS',
    '.B pgbackops',
    '[\\fIglobal options\\fR] \\fIcommand\\fR [\\fIoptions\\fR] [\\fIarguments\\fR]',
    '.SH DESCRIPTION',
    esc('pgbackops validates backup configuration written as YAML, shows what would change (plan), and converges a PostgreSQL catalog and each backup server\'s schedule (apply); it runs the backups (run), expires them (prune, maintain), restores and verifies them, and reports on them. Global options may be given before or after the command.'),
    '.SH GLOBAL OPTIONS',
    ...optionLines(tree.options),
  ];
  out.push('.SH COMMANDS');
  for (const c of allCommands(tree).filter((x) => x.path.length > 0)) {
    out.push(`.SS ${esc(`pgbackops ${c.path.join(' ')} ${c.usage}`.trim())}`, esc(c.description));
    if (c.options.length > 0) out.push(...optionLines(c.options));
    if (c.examples.length > 0) {
      out.push('.PP', 'Examples:', '.PP', '.RS', '.nf', ...c.examples.map(esc), '.fi', '.RE');
    }
  }
  out.push(
    '.SH EXIT STATUS',
    '.TP', '.B 0', 'Success.',
    '.TP', '.B 1', esc('Any error: a usage error, an invalid configuration, a refusal, a failed job, a component that cannot be reached.'),
    '.TP', '.B 2', esc('Only with --detailed-exitcode: plan has changes; apply held something back.'),
    '.TP', '.B 128+N', esc('run or backup now stopped by signal N.'),
    '.SH ENVIRONMENT',
    '.TP', '.B PGBACKOPS_CATALOG_URL', esc('The central catalog (as --catalog).'),
    '.TP', '.B PGBACKOPS_STATE_DIR', esc('The state directory (as --state-dir).'),
    '.TP', '.B PGBACKOPS_LOG_LEVEL', esc('The log level (as --log-level).'),
    '.TP', '.B PGSERVICE, PGSERVICEFILE, PGSYSCONFDIR, PGPASSFILE', esc('libpq connection services and password file, for the catalog and the nodes.'),
    '.TP', '.B NO_COLOR', esc('No colour in the output.'),
    '.SH SEE ALSO',
    esc('pg_dump(1), pg_restore(1), pg_service.conf; docs/cli.md, docs/errors.md and docs/operations.md of the pgbackops package.'),
  );
  return out.join('\n') + '\n';
}
