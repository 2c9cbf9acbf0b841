// pgbackops status: per definition health, last success and failure, next run, bytes kept; per node, the
// databases without a backup definition (each running node is asked, with a short timeout).
import type { Command } from 'commander';
import { askNodes } from '../../adapters/postgres/ask-nodes.js';
import { heldBackHint } from '../../core/plan/held-back.js';
import { dueAt } from '../../core/one-off/timing.js';
import { healthStateId } from '../../core/reports/definition-health.js';
import { renderStatusText, statusReport } from '../../core/reports/status-report.js';
import { DEFAULT_STATUS_LIMIT, parseStatusPageRequest, STATUS_ORDER, type StatusPageRequest } from '../../core/reports/status-order.js';
import { formatStatusCursor, parseStatusCursor } from '../../core/reports/page-cursor.js';
import { withCatalog } from '../../runtime/catalog-session.js';
import { readRestorableWindows } from '../../engine/restorable-windows.js';
import { contextOf } from '../context.js';
import { CliError, printJson, printText } from '../output.js';
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
    .option('--limit <n>', `list at most this many definitions, problems first (a page: \`next_after\` in JSON, or the last line, gives the next one); the counts per state are always of every definition`, String(DEFAULT_STATUS_LIMIT))
    .option('--after <cursor>', 'the next page: the definitions after the cursor a previous page printed (next_after)')
    .option('--state <state>', `list only definitions in this state (${STATUS_ORDER.join(', ')})`)
    .option('--html <file>', 'write the status page (docs/status-page.md) to this file: self-contained, for servers without a daemon')
    .option('--json', 'print the status as JSON')
    .action(async (opts: StatusFlags, command: Command) => {
      const ctx = contextOf(command);
      const page = pageRequest(opts);
      if (opts.daemon) return printDaemonStatus(opts.daemon, ctx.json, opts.httpAuthFile, page);
      const now = opts.now === undefined ? Date.now() : parseTime(opts.now, '--now').getTime();
      if (opts.html !== undefined) {
        const { writeStatusPage } = await import('../status-html.js');
        return printText(await withCatalog(ctx.settings, ctx.logger, (catalog) => writeStatusPage(catalog, now, opts.html!, ctx.settings.stateDir)));
      }
      const report = await withCatalog(ctx.settings, ctx.logger, async (catalog) => {
        // Nodes and servers only: the definitions are listed a page at a time (status-listing.ts).
        const objects = await catalog.readObjectsOfKinds(['BackupServer', 'Node']);
        const nodes = specsOfKind(objects, 'Node');
        const listing = await catalog.reports.statusListing(page, now);
        const running = nodes.filter((n) => n.spec.status === 'running');
        const nodeDatabases = opts.nodes ? await askNodes(running) : {};
        // Which databases no definition backs up compares each asked node with all of its definitions.
        const coverage = opts.nodes && running.length > 0 ? specsOfKind(await catalog.readObjectsOfKinds(['Backup']), 'Backup') : [];
        const oneOffs = (await catalog.oneOffs.list()).map((j) => ({
          kind: j.kind, name: j.name, state: j.state, dueAt: dueAt(j.spec, j.createdAt), finishedAt: j.finishedAt?.getTime() ?? null, message: j.message,
        }));
        const walReceivers = nodes.some((n) => n.spec.walArchive) ? await catalog.walReceivers.list() : [];
        const restorableWindows = await readRestorableWindows(catalog, objects, ctx.settings.stateDir);
        const stanzaChecks = nodes.some((n) => n.spec.pgbackrest) ? await catalog.stanzaChecks.list() : [];
        return statusReport({
          definitions: listing.definitions, counts: listing.counts, nextAfter: listing.nextAfter && formatStatusCursor(listing.nextAfter), coverage,
          nodes, runs: listing.runs, bytesKept: listing.bytesKept, nodeDatabases, oneOffs, walReceivers, restorableWindows, stanzaChecks, now,
        });
      });
      if (ctx.json) printJson({ ...report, definitions: report.definitions.map((d) => ({ ...d, state: healthStateId(d.state) })) });
      else printText(renderStatusText(report));
    });
}

interface StatusFlags {
  nodes: boolean;
  now?: string;
  daemon?: string;
  httpAuthFile?: string;
  html?: string;
  limit: string;
  after?: string;
  state?: string;
}

function pageRequest(opts: StatusFlags): StatusPageRequest {
  const page = parseStatusPageRequest(opts, parseStatusCursor, (name) => `--${name}`);
  if ('error' in page) throw new CliError(page.error);
  return page;
}

/** The daemon's own view: last pass, applied revision, and per-definition health as it computed them. */
async function printDaemonStatus(url: string, json: boolean, authFile: string | undefined, page: StatusPageRequest): Promise<void> {
  const { fetchDaemonStatus } = await import('../../daemon/status-client.js');
  const { authorizationHeader, readHttpAuthFile } = await import('../../daemon/status-page/http-auth.js');
  const status = await fetchDaemonStatus(url, undefined, authFile ? authorizationHeader(readHttpAuthFile(authFile)) : undefined, page);
  // The daemon's own document (its format_version and pgbackops_version), with where it came from.
  if (json) return printJson({ daemon: url, ...status });
  const heldBack = status.held_back;
  const partially = heldBack.length > 0 ? ` (partially: ${heldBack.length} action(s) held back, ${heldBackHint(heldBack)})` : '';
  const lines = [
    `Daemon ${url}: ${status.ready ? 'ready' : 'not ready'}; applied revision ${status.revision ?? '(none)'}${partially}`,
    ...heldBack.map((a) => `  held back: ${a}`),
    ...Object.entries(status.summary).map(([state, n]) => `  ${state}: ${n}`),
    ...status.definitions.filter((d) => d.state !== 'healthy').map((d) => `  ${d.state.padEnd(11)} ${d.name}${d.reason ? `: ${d.reason}` : ''}`),
    ...(status.next_after ? [`  more: pgbackops status --daemon ${url} --after ${status.next_after}`] : []),
    ...(status.pgbackrest_stanzas ?? []).filter((s) => s.state !== 'passing')
      .map((s) => `  stanza ${s.stanza} (node ${s.node}): check ${s.state === 'failing' ? `FAILING: ${(s.detail ?? 'failed').split('\n')[0]}` : 'never run'}`),
  ];
  printText(lines.join('\n'));
}
