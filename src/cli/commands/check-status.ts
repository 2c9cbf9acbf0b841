// pgbackops check-status: a Nagios/Icinga plugin (exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN; one line
// with perfdata) over a definition, a node, a server (the global --server) or every definition. The
// decision is src/core/reports/check-status.ts; this reads the catalog (two queries) and prints.
import type { Command } from 'commander';
import type { BackupServerSpec, BackupSpec, NodeSpec } from '../../core/model.js';
import { healthStateId } from '../../core/reports/definition-health.js';
import { CHECK_EXIT_CODES, checkStatus, type CheckDefinition } from '../../core/reports/check-status.js';
import { effectiveRpo } from '../../core/rpo/coverage.js';
import { approximateMilliseconds, durationProblem, parseDuration } from '../../core/time/duration.js';
import { withCatalog } from '../../engine/catalog-session.js';
import { contextOf } from '../context.js';
import { CliError, printJson, printText } from '../output.js';
import { parseTime } from './backups.js';

interface CheckOptions {
  definition?: string;
  node?: string;
  warning?: string;
  critical?: string;
  now?: string;
}

export function registerCheckStatus(program: Command): void {
  program
    .command('check-status')
    .description('Nagios/Icinga check of backup freshness: exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN, one line with perfdata (scope: --definition, --node, the global --server, or everything)')
    .option('--definition <name>', 'check this backup definition only')
    .option('--node <name>', "check this node's definitions only")
    .option('--warning <duration>', 'WARNING when a definition last succeeded longer ago than this (e.g. 26h)')
    .option('--critical <duration>', "CRITICAL when a definition last succeeded longer ago than this (default: the definition's rpo, if it has one)")
    .option('--now <time>', 'evaluate as of this time instead of the clock (ISO 8601)')
    .option('--json', 'print the verdict and every definition as JSON')
    .action(async (opts: CheckOptions, command: Command) => {
      const ctx = contextOf(command);
      const server = (command.optsWithGlobals() as { server?: string }).server;
      let result;
      try {
        const thresholds = { warningMs: durationFlag(opts.warning, '--warning'), criticalMs: durationFlag(opts.critical, '--critical') };
        const now = opts.now === undefined ? Date.now() : parseTime(opts.now, '--now').getTime();
        const scope = opts.definition ? `definition ${opts.definition}` : opts.node ? `node ${opts.node}` : server ? `server ${server}` : 'all';
        result = await withCatalog(ctx.settings, ctx.logger, async (catalog) => {
          const snapshot = await catalog.readSnapshot();
          const nodes = new Map<string, NodeSpec>();
          const servers = new Map<string, BackupServerSpec>();
          for (const o of snapshot.objects) {
            if (o.kind === 'Node') nodes.set(o.name, o.spec as NodeSpec);
            else if (o.kind === 'BackupServer') servers.set(o.name, o.spec as BackupServerSpec);
          }
          const definitions: CheckDefinition[] = [];
          for (const o of snapshot.objects) {
            if (o.kind !== 'Backup') continue;
            const spec = o.spec as BackupSpec;
            const node = nodes.get(spec.node);
            const serverName = node?.backupServer ?? '';
            if ((opts.definition && o.name !== opts.definition) || (opts.node && spec.node !== opts.node) || (server && serverName !== server)) continue;
            const serverSpec = servers.get(serverName);
            definitions.push({
              name: o.name, node: spec.node, server: serverName, schedule: spec.resolvedSchedule, timezone: spec.timezone,
              scheduled: spec.enabled && node?.status === 'running',
              rpoMs: effectiveRpo({ name: o.name, spec }, node && { name: spec.node, spec: node }, serverSpec && { name: serverName, spec: serverSpec })?.ms ?? null,
            });
          }
          const runs = await catalog.reports.runStats(definitions.map((d) => d.name));
          return checkStatus(definitions, runs, thresholds, now, scope);
        });
      } catch (err) {
        // A check that cannot look is UNKNOWN, never OK or a crash: the monitoring system shows why.
        const message = (err as Error).message.split('\n')[0];
        if (ctx.json) printJson({ state: 'UNKNOWN', line: `PGBACKOPS UNKNOWN - ${message}`, error: message });
        else printText(`PGBACKOPS UNKNOWN - ${message}`);
        process.exitCode = CHECK_EXIT_CODES.UNKNOWN;
        return;
      }
      if (ctx.json) printJson({ ...result, definitions: result.definitions.map((d) => ({ ...d, health: healthStateId(d.health) })) });
      else printText(result.line);
      process.exitCode = CHECK_EXIT_CODES[result.state];
    });
}

function durationFlag(value: string | undefined, flag: string): number | null {
  if (value === undefined) return null;
  const parsed = parseDuration(value);
  if (parsed === null) throw new CliError(`${flag}: ${durationProblem(value)}`);
  return approximateMilliseconds(parsed);
}
