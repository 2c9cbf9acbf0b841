// pgbackops import pgbackman | crontab: an existing installation as a configuration directory, with a
// report of every approximation (docs/migrating.md). The import is a plan: --dry-run writes nothing, and
// the same source always gives the same files.
import type { Command } from 'commander';
import { hostname } from 'node:os';
import { existingPaths } from '../../adapters/import/existing-paths.js';
import { planOutput, writeOutput, type OutputPlan } from '../../adapters/import/import-output.js';
import { libpqClientConfig, redactConnection, type LibpqParams } from '../../adapters/postgres/libpq-connection.js';
import { timeZoneProblem } from '../../core/config/timezones.js';
import { parseConninfo } from '../../core/import/conninfo.js';
import { mapCrontab, type CrontabSource } from '../../core/import/crontab-map.js';
import { slug, type ImportResult } from '../../core/import/documents.js';
import { mapPgbackmanHistory, pgbmPath } from '../../core/import/pgbackman-history.js';
import { mapPgbackman } from '../../core/import/pgbackman-map.js';
import { importReportJson, renderImportReport, type ImportReport } from '../../core/import/report.js';
import { renderYamlTree, type YamlFile } from '../../core/import/yaml-tree.js';
import type { RunRecord } from '../../core/runs/run-record.js';
import { withCatalog } from '../../runtime/catalog-session.js';
import { contextOf, type CommandContext } from '../context.js';
import { CliError, printJson, printText, stdoutStyle } from '../output.js';

interface CommonFlags {
  out: string;
  dryRun?: boolean;
  timezone: string;
  json?: boolean;
}

interface PgbackmanFlags extends CommonFlags {
  from: string;
  withHistory?: boolean;
}

interface CrontabFlags extends CommonFlags {
  user?: string;
  file?: string;
  host?: string;
  backupRoot: string;
}

export function registerImport(program: Command): void {
  const command = program
    .command('import')
    .description('turn an existing PgBackMan installation or crontab backup lines into a configuration directory (see docs/migrating.md)');

  command
    .command('pgbackman')
    .description('import a PgBackMan catalog: servers, nodes, backup definitions, snapshots; --with-history records its backups')
    .requiredOption('--from <conninfo>', 'the PgBackMan catalog database (postgresql://... or "host=... dbname=pgbackman")')
    .requiredOption('--out <dir>', 'directory to write the configuration to (new, empty, or written by an earlier import)')
    .option('--with-history', 'also record the backups PgBackMan took as runs in the pgbackops catalog')
    .option('--timezone <zone>', 'IANA time zone the backup servers\' cron runs in', 'UTC')
    .option('--dry-run', 'show what would be written and recorded; write nothing')
    .option('--json', 'print the report as JSON')
    .action(async (opts: PgbackmanFlags, sub: Command) => {
      const ctx = contextOf(sub);
      checkTimezone(opts.timezone);
      const source = pgbackmanConnection(opts.from);
      const { withPgbackmanCatalog } = await import('../../adapters/import/pgbackman-reader.js');
      const { catalog, runs } = await withPgbackmanCatalog(source, async (reader) => ({
        catalog: await reader.readCatalog(),
        runs: opts.withHistory ? await reader.readBackupRuns() : [],
      }));
      const mapped = mapPgbackman(catalog, { now: Date.now(), timezone: opts.timezone });
      let records: RunRecord[] | null = null;
      if (opts.withHistory) {
        const existing = await existingPaths(runs.map((r) => pgbmPath(r.pgDumpFile)).filter((p): p is string => p !== null));
        const history = mapPgbackmanHistory(runs, mapped.names, existing, opts.timezone);
        records = history.records;
        mapped.findings.push(...history.findings);
      }
      const files = renderYamlTree(mapped.documents, `Imported from PgBackMan by pgbackops import pgbackman (docs/migrating.md).\nFile layout: servers.yaml, retention.yaml, one file per node under nodes/.`);
      const plan = await writeTree(opts, files);
      if (records && !opts.dryRun) {
        const recorded = records;
        await withCatalog(ctx.settings, ctx.logger, async (c) => {
          for (const r of recorded) await c.runs.upsertRun(r);
        });
      }
      report(ctx, opts, {
        source: `PgBackMan (${redactConnection(source)})`, result: mapped, plan,
        history: records ? { recorded: records.length, failed: records.filter((r) => r.status === 'failed').length } : null,
        next: [
          `pgbackops validate -c ${opts.out}`,
          `pgbackops plan -c ${opts.out}          # review; then apply on each backup server`,
          'remove each node\'s PgBackMan cron file (/etc/cron.d/pgsql_node_<id>) once its pgbackops jobs run',
        ],
      });
    });

  command
    .command('crontab')
    .description('import the pg_dump / pg_dumpall lines of a crontab (--user) or a cron.d file (--file)')
    .option('--user <user>', 'read this user\'s crontab (crontab -l -u USER); default: your own')
    .option('--file <path>', 'read a cron.d file (fields: schedule, user, command) instead')
    .requiredOption('--out <dir>', 'directory to write the configuration to (new, empty, or written by an earlier import)')
    .option('--host <name>', 'host name of this backup server (default: this machine\'s)')
    .option('--backup-root <dir>', 'backupRoot of the BackupServer written', '/srv/pgbackops')
    .option('--timezone <zone>', 'IANA time zone this machine\'s cron runs in', 'UTC')
    .option('--dry-run', 'show what would be written; write nothing')
    .option('--json', 'print the report as JSON')
    .action(async (opts: CrontabFlags, sub: Command) => {
      const ctx = contextOf(sub);
      checkTimezone(opts.timezone);
      if (opts.user && opts.file) throw new CliError('give --user or --file, not both');
      const { readCronFile, readUserCrontab } = await import('../../adapters/import/crontab-reader.js');
      let source: CrontabSource;
      if (opts.file) {
        source = { text: await readCronFile(opts.file), kind: 'cron.d', label: opts.file, owner: 'root' };
      } else {
        const crontab = await readUserCrontab(opts.user);
        source = { text: crontab.text, kind: 'crontab', label: `crontab of ${crontab.owner}`, owner: crontab.owner };
      }
      const host = opts.host ?? hostname();
      const serverName = (sub.optsWithGlobals() as { server?: string }).server ?? slug(host.split('.')[0]!, 63, 'backup-server');
      const mapped = mapCrontab(source, { serverName, serverHost: host, backupRoot: opts.backupRoot, timezone: opts.timezone });
      const files = renderYamlTree(mapped.documents, `Imported from ${source.label} by pgbackops import crontab (docs/migrating.md).\nFile layout: servers.yaml, retention.yaml, one file per node under nodes/.`);
      const plan = await writeTree(opts, files);
      report(ctx, opts, {
        source: source.label, result: mapped, plan, history: null,
        next: [
          `pgbackops validate -c ${opts.out}`,
          `pgbackops apply -c ${opts.out}         # adds pgbackops' own jobs; your old lines stay and keep running`,
          'pgbackops status                  # once the new jobs have succeeded ...',
          `${opts.file ? `edit ${opts.file}` : `crontab -e${opts.user ? ` -u ${opts.user}` : ''}`}    # ... remove the old lines`,
        ],
      });
    });
}

function checkTimezone(zone: string): void {
  const problem = timeZoneProblem(zone);
  if (problem) throw new CliError(`--timezone: ${problem}`);
}

/** --from: a postgresql:// URI or a keyword=value connection string, with libpq's environment and passfile. */
function pgbackmanConnection(from: string): ReturnType<typeof libpqClientConfig> {
  const parsed = parseConninfo(from);
  if (!parsed.ok) throw new CliError(`--from: ${parsed.problem}`);
  const params: LibpqParams = {};
  for (const [key, value] of Object.entries(parsed.params)) {
    switch (key) {
      case 'host': case 'user': case 'dbname': case 'password': case 'passfile': case 'sslrootcert': case 'sslcert': case 'sslkey': case 'application_name': case 'options':
        params[key] = value;
        break;
      case 'port':
      case 'connect_timeout':
        if (!/^\d+$/.test(value)) throw new CliError(`--from: ${key} must be a number`);
        params[key] = Number(value);
        break;
      case 'sslmode':
        params.sslmode = value as LibpqParams['sslmode'];
        break;
      default:
        throw new CliError(`--from: unsupported connection parameter ${JSON.stringify(key)}`);
    }
  }
  return libpqClientConfig(params);
}

async function writeTree(opts: CommonFlags, files: YamlFile[]): Promise<OutputPlan> {
  // An ImportOutputError (E_IMPORT_OUTPUT) is printed with its code and exits 1.
  const plan = await planOutput(opts.out, files);
  if (!opts.dryRun) await writeOutput(opts.out, files, plan);
  return plan;
}

function report(ctx: CommandContext, opts: CommonFlags, r: { source: string; result: ImportResult; plan: OutputPlan; history: ImportReport['history']; next: string[] }): void {
  const full: ImportReport = {
    source: r.source, outDir: opts.out, dryRun: Boolean(opts.dryRun), documents: r.result.documents,
    files: r.plan.files, removed: r.plan.removed, findings: r.result.findings, history: r.history, next: r.next,
  };
  if (ctx.json) printJson(importReportJson(full));
  else printText(renderImportReport(full, stdoutStyle()));
}
