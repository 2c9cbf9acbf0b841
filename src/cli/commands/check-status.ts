// pgbackops check-status: a Nagios/Icinga plugin (exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN; one line
// with perfdata) over a definition, a node, a server (the global --server) or every definition. The
// decision is src/core/reports/check-status.ts; this reads the catalog (one read-only transaction,
// src/adapters/catalog/check-scope.ts, and one more query for WAL archives and one for pgBackRest stanzas when
// any is in scope) and prints.
import type { Command } from 'commander';
import { methodOf, walArchiveServerOf } from '../../core/model.js';
import { stanzaCheckStatuses } from '../../core/methods/pgbackrest/stanza-check.js';
import { walArchiveHealth } from '../../core/wal/wal-archive-health.js';
import { restorableWindowStatus, verdictOfRecord } from '../../core/wal/restorable-window.js';
import { healthStateId } from '../../core/reports/definition-health.js';
import { CHECK_EXIT_CODES, checkStatus, type CheckDefinition } from '../../core/reports/check-status.js';
import { effectiveRpo } from '../../core/rpo/coverage.js';
import { approximateMilliseconds, durationProblem, parseDuration } from '../../core/time/duration.js';
import { withCatalog } from '../../runtime/catalog-session.js';
import { contextOf } from '../context.js';
import { CliError, printJson, printText } from '../output.js';
import { parseTime } from '../flag-values.js';

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
    .description('Nagios/Icinga check of backup freshness, WAL archives and pgBackRest stanza checks: exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN, one line with perfdata (scope: --definition, --node, the global --server, or everything)')
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
          const { definitions: backups, nodes, servers, runs } = await catalog.reports.checkScope({ definition: opts.definition, node: opts.node, server });
          const definitions: CheckDefinition[] = [];
          const pgbackrestNodes = new Set<string>();
          for (const { name, spec } of backups) {
            const node = nodes.get(spec.node);
            const serverName = node?.backupServer ?? '';
            const serverSpec = servers.get(serverName);
            if (methodOf(spec) === 'pgbackrest') pgbackrestNodes.add(spec.node);
            definitions.push({
              name, node: spec.node, server: serverName, schedule: spec.resolvedSchedule, timezone: spec.timezone,
              scheduled: spec.enabled && node?.status === 'running',
              rpoMs: effectiveRpo({ name, spec }, node && { name: spec.node, spec: node }, serverSpec && { name: serverName, spec: serverSpec })?.ms ?? null,
            });
          }
          const archived = opts.definition ? [] : [...nodes].filter(([name, spec]) =>
            spec.walArchive && (!opts.node || name === opts.node) && (!server || walArchiveServerOf(spec) === server));
          const reports = archived.length === 0 ? new Map() : new Map((await catalog.walReceivers.list()).map((r) => [r.node, r]));
          const walArchives = archived.map(([name, spec]) => walArchiveHealth(name, spec.walArchive!, reports.get(name) ?? null, now));
          // pgBackRest stanzas in scope like WAL archives; with --definition, the stanza its backups go to.
          const stanzaNodes = [...nodes].filter(([name, spec]) => spec.pgbackrest && (opts.definition ? pgbackrestNodes.has(name)
            : (!opts.node || name === opts.node) && (!server || spec.backupServer === server))).map(([name, spec]) => ({ name, spec }));
          const stanzas = stanzaNodes.length === 0 ? [] : stanzaCheckStatuses(stanzaNodes, await catalog.stanzaChecks.list());
          const result = checkStatus(definitions, runs, thresholds, now, scope, walArchives, stanzas);
          // The archived nodes' windows, as the machine holding each archive last recorded them (informative).
          const windows = archived.length === 0 ? [] : await catalog.restorableWindows.list(archived.map(([name]) => name)).catch(() => []);
          if (windows.length > 0) result.restorable_windows = windows.map((w) => restorableWindowStatus(w.node, verdictOfRecord(w), now));
          return result;
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
