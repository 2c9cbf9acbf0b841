// pgbackops run DEFINITION: what schedule lines call. `pgbackops backup now DEFINITION` is the same job
// started by hand in the foreground, with progress on a TTY.
import type { Command } from 'commander';
import type { RunRecord } from '../../core/runs/run-record.js';
import { trapInterruptions } from '../../adapters/os/interruption.js';
import { findCachedDefinition } from '../../jobs/definition-lookup.js';
import { runDefinition } from '../../jobs/run-definition.js';
import { actAsJobUser } from '../act-as-job-user.js';
import { contextOf } from '../context.js';
import { printJson, printText, stdoutStyle } from '../output.js';
import { createProgressLine, progressWanted, startByteProgress, type ByteProgress } from '../progress.js';
import { formatBytes } from '../../core/reports/format.js';
import { mark } from '../../adapters/os/timeline.js';

export function registerRun(program: Command): void {
  program
    .command('run')
    .description('run a backup definition now (what schedule lines call); records the run in the catalog, or the local spool when the catalog is down')
    .argument('<definition>', 'backup definition name')
    .option('--database <name>', 'only this database of the definition')
    .option('--json', 'print the run records as JSON')
    .action(async (definition: string, opts: { database?: string }, command: Command) => {
      await runAndReport(command, definition, opts.database, false);
    });

  const backup = program.command('backup').description('one-off backups');
  backup
    .command('now')
    .description('run a backup definition immediately, in the foreground, with progress on a TTY')
    .argument('<definition>', 'backup definition name')
    .option('--database <name>', 'only this database of the definition')
    .option('--json', 'print the run records as JSON')
    .action(async (definition: string, opts: { database?: string }, command: Command) => {
      await runAndReport(command, definition, opts.database, true);
    });
}

async function runAndReport(command: Command, definition: string, database: string | undefined, interactive: boolean): Promise<void> {
  mark('command');
  const ctx = contextOf(command);
  const servers = async () => {
    const { cache } = await findCachedDefinition(ctx.settings.stateDir, definition, ctx.settings.server);
    return cache.serverSpec ? [{ name: cache.server, spec: cache.serverSpec }] : [];
  };
  if ((await actAsJobUser(ctx, { servers, backups: 'write' })) === 'delegated') return;
  mark('acting');
  const line = interactive && progressWanted(ctx) ? createProgressLine(process.stderr) : null;
  let current: ByteProgress | null = null;
  // SIGTERM/SIGINT/SIGHUP stop the dump in progress, which is recorded `interrupted` before this exits.
  const interruption = trapInterruptions();
  const outcome = await runDefinition(ctx.settings, ctx.logger, {
    definition,
    stop: interruption.signal,
    ...(database ? { database } : {}),
    ...(line
      ? {
          // One line per database: its bytes against the estimate (a previous run's size, else the
          // database's), then its outcome with the elapsed time.
          onProgress: (e) => {
            if (e.kind === 'start') current = startByteProgress(line, `${definition} ${e.database ?? '(cluster)'}`);
            else if (e.kind === 'estimate') current?.estimate(e.bytes);
            else if (e.kind === 'bytes') current?.bytes(e.bytes);
            else {
              const r = e.record;
              const progress = current ?? startByteProgress(line, `${r.definition} ${r.database ?? '(cluster)'}`);
              progress.finish(r.status === 'succeeded' ? 'done' : r.failureReason ? `${r.status} (${r.failureReason})` : r.status, r.bytes);
              current = null;
            }
          },
        }
      : {}),
  }).finally(() => interruption.dispose());
  mark('ran');
  if (ctx.json) {
    // A run's retention rules are the definition's, as written in its YAML.
    printJson({ recorded_in: outcome.recordedIn, runs: outcome.records, offsite: outcome.offsite }, { verbatim: ['runs.*.retention'] });
  } else {
    // The records on stdout whether or not a progress line was drawn on stderr: output that does not depend on the terminal.
    const style = stdoutStyle();
    for (const r of outcome.records) printText(r.status === 'succeeded' ? style.add(describeRecord(r)) : style.remove(describeRecord(r)));
    if (outcome.recordedIn === 'spool') printText(style.warn('The catalog was unreachable: results are in the local spool; `pgbackops maintain` ingests them.'));
  }
  if (!ctx.json) {
    const style = stdoutStyle();
    for (const c of outcome.offsite.copies) {
      printText(c.state === 'copied'
        ? style.add(`off-site copy of run ${c.runId} in ${c.store}: copied, ${formatBytes(c.bytes)}, verified by ${c.verifiedBy}`)
        : style.warn(`off-site copy of run ${c.runId} in ${c.store}: failed: ${c.reason} (maintain retries it)`));
    }
    if (outcome.offsite.deferred) printText(style.warn('Off-site copies were not made now; `pgbackops maintain` makes them.'));
  }
  // Exit 0 only if every database succeeded; a skipped (overlapping) start is not a failure of this run.
  // Stopped by a signal: 128 + its number, as a shell reports a process the signal ended.
  process.exitCode = interruption.exitCode() ?? (outcome.records.every((r) => r.status === 'succeeded' || r.status === 'skipped') ? 0 : 1);
}

function describeRecord(r: RunRecord): string {
  const what = `${r.definition} ${r.database ?? '(cluster)'}`;
  switch (r.status) {
    case 'succeeded':
      return `${what}: succeeded, ${formatBytes(r.bytes ?? 0)} in ${seconds(r)} s -> ${whereKept(r)} (run ${r.id})`;
    case 'skipped':
      return `${what}: skipped: ${r.failureDetail}`;
    default:
      return `${what}: ${r.status}: ${r.failureReason}: ${r.failureDetail} (run ${r.id})`;
  }
}

/** Its directory; a pgBackRest backup has none of its own: it is a set of the server's repository. */
function whereKept(r: RunRecord): string {
  if (r.method === 'pgbackrest') return `pgBackRest set ${r.methodFacts.label ?? '(unknown)'} of stanza ${r.methodFacts.stanza}`;
  return r.directory ?? '(no directory)';
}

function seconds(r: RunRecord): string {
  return r.finishedAt ? ((Date.parse(r.finishedAt) - Date.parse(r.startedAt)) / 1000).toFixed(1) : '?';
}
