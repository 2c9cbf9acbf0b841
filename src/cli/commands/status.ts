// pgbackops status: per definition health, last success and failure, next run, bytes kept; per node, the
// databases without a backup definition (each running node is asked, with a short timeout).
import type { Command } from 'commander';
import { askNodes } from '../../adapters/postgres/ask-nodes.js';
import type { BackupSpec, NodeSpec } from '../../core/model.js';
import { heldBackHint } from '../../core/plan/held-back.js';
import { dueAt } from '../../core/one-off/timing.js';
import { healthStateId } from '../../core/reports/definition-health.js';
import { renderStatusText, statusReport } from '../../core/reports/status-report.js';
import { withCatalog } from '../../runtime/catalog-session.js';
import { readRestorableWindows } from '../../engine/restorable-windows.js';
import { contextOf } from '../context.js';
import { printJson, printText } from '../output.js';
import { parseTime } from '../flag-values.js';
import { specsOfKind } from '../../core/objects.js';

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('health of every backup definition (Healthy, Late, Failing, Never run), databases without a backup definition, the status of one-off jobs (Snapshot, Restore), the WAL archives (receiver, lag, slot) and the last check of each pgBackRest stanza')
    .option('--no-nodes', 'do not connect to the nodes (skip the databases-without-definition check)')
    .option('--now <time>', 'evaluate as of this time instead of the clock (ISO 8601), for reproducible reports')
    .option('--daemon <url>', "ask a running daemon (its /status, e.g. http://127.0.0.1:7963) instead of the catalog")
    .option('--http-auth-file <file>', 'with --daemon: the credentials the daemon requires (its --http-auth-file)')
    .option('--html <file>', 'write the status page (docs/status-page.md) to this file: self-contained, for servers without a daemon')
    .option('--json', 'print the status as JSON')
    .action(async (opts: { nodes: boolean; now?: string; daemon?: string; httpAuthFile?: string; html?: string }, command: Command) => {
      const ctx = contextOf(command);
      if (opts.daemon) return printDaemonStatus(opts.daemon, ctx.json, opts.httpAuthFile);
      const now = opts.now === undefined ? Date.now() : parseTime(opts.now, '--now').getTime();
      if (opts.html !== undefined) {
        const { writeStatusPage } = await import('../status-html.js');
        return printText(await withCatalog(ctx.settings, ctx.logger, (catalog) => writeStatusPage(catalog, now, opts.html!, ctx.settings.stateDir)));
      }
      const report = await withCatalog(ctx.settings, ctx.logger, async (catalog) => {
        const snapshot = await catalog.readSnapshot();
        const definitions = specsOfKind(snapshot.objects, 'Backup');
        const nodes = specsOfKind(snapshot.objects, 'Node');
        const { runs, bytesKept } = await catalog.reports.statusRuns(definitions.map((d) => d.name));
        const nodeDatabases = opts.nodes ? await askNodes(nodes.filter((n) => n.spec.status === 'running')) : {};
        const oneOffs = (await catalog.oneOffs.list()).map((j) => ({
          kind: j.kind, name: j.name, state: j.state, dueAt: dueAt(j.spec, j.createdAt), finishedAt: j.finishedAt?.getTime() ?? null, message: j.message,
        }));
        const walReceivers = nodes.some((n) => n.spec.walArchive) ? await catalog.walReceivers.list() : [];
        const restorableWindows = await readRestorableWindows(catalog, snapshot.objects, ctx.settings.stateDir);
        const stanzaChecks = nodes.some((n) => n.spec.pgbackrest) ? await catalog.stanzaChecks.list() : [];
        return statusReport({ definitions, nodes, runs, bytesKept, nodeDatabases, oneOffs, walReceivers, restorableWindows, stanzaChecks, now });
      });
      if (ctx.json) printJson({ ...report, definitions: report.definitions.map((d) => ({ ...d, state: healthStateId(d.state) })) });
      else printText(renderStatusText(report));
    });
}

/** The daemon's own view: last pass, applied revision, and per-definition health as it computed them. */
async function printDaemonStatus(url: string, json: boolean, authFile: string | undefined): Promise<void> {
  const { fetchDaemonStatus } = await import('../../daemon/status-client.js');
  const { authorizationHeader, readHttpAuthFile } = await import('../../daemon/status-page/http-auth.js');
  const status = await fetchDaemonStatus(url, undefined, authFile ? authorizationHeader(readHttpAuthFile(authFile)) : undefined);
  // The daemon's own document (its format_version and pgbackops_version), with where it came from.
  if (json) return printJson({ daemon: url, ...status });
  const heldBack = status.held_back;
  const partially = heldBack.length > 0 ? ` (partially: ${heldBack.length} action(s) held back, ${heldBackHint(heldBack)})` : '';
  const lines = [
    `Daemon ${url}: ${status.ready ? 'ready' : 'not ready'}; applied revision ${status.revision ?? '(none)'}${partially}`,
    ...heldBack.map((a) => `  held back: ${a}`),
    ...Object.entries(status.summary).map(([state, n]) => `  ${state}: ${n}`),
    ...status.definitions.filter((d) => d.state !== 'healthy').map((d) => `  ${d.state.padEnd(11)} ${d.name}${d.reason ? `: ${d.reason}` : ''}`),
    ...(status.pgbackrest_stanzas ?? []).filter((s) => s.state !== 'passing')
      .map((s) => `  stanza ${s.stanza} (node ${s.node}): check ${s.state === 'failing' ? `FAILING: ${(s.detail ?? 'failed').split('\n')[0]}` : 'never run'}`),
  ];
  printText(lines.join('\n'));
}
