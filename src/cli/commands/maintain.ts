// pgbackops maintain / prune: retention and housekeeping for this machine's backup server(s).
import type { Command } from 'commander';
import { withCatalog } from '../../runtime/catalog-session.js';
import { cachedServers } from '../../runtime/definition-cache.js';
import { actAsJobUser, actingForThisMachine } from '../act-as-job-user.js';
import { maintainServer, type MaintainOutcome } from '../../jobs/maintain.js';
import { contextOf, type CommandContext } from '../context.js';
import { CliError, printText, stdoutStyle } from '../output.js';
import { offsiteJson, offsiteText, printJsonWithDecisions, pruneJson, writePruneText } from '../prune-output.js';
import { recordRestorableWindows } from '../../engine/restorable-windows.js';

export function registerMaintain(program: Command): void {
  program
    .command('maintain')
    .description('ingest the local spool, mark runs and restores left running by dead processes abandoned, run due one-off jobs (Snapshot, Restore), and apply retention; make and retry off-site copies and apply their remote retention')
    .option('--dry-run', 'change nothing; show what retention would expire')
    .option('--one-offs-only', 'only run the one-off jobs that are due (what the daemon does when one is due)')
    .option('--json', 'print the outcome as JSON')
    .action(async (opts: { dryRun?: boolean; oneOffsOnly?: boolean }, command: Command) => {
      const ctx = contextOf(command);
      if (opts.dryRun && opts.oneOffsOnly) throw new CliError('--one-offs-only runs jobs; it cannot be combined with --dry-run');
      if ((await actAsJobUser(ctx, actingForThisMachine(ctx, 'write'))) === 'delegated') return;
      const outcomes = await maintainAll(ctx, Boolean(opts.dryRun), false, { oneOffsOnly: Boolean(opts.oneOffsOnly) });
      if (ctx.json) return printJsonWithDecisions({ servers: outcomes.map(({ server, outcome }) => ({ server, ...outcome, prune: pruneJson(outcome.prune), offsite: offsiteJson(outcome.offsite) })) });
      const style = stdoutStyle();
      for (const { server, outcome } of outcomes) {
        if (outcome.skipped) {
          printText(`${server}: skipped: ${outcome.skipped}`);
          continue;
        }
        if (!opts.oneOffsOnly) {
          printText(`${server}: spool ${outcome.spool.ingested} ingested, ${outcome.spool.quarantined} quarantined, ${outcome.spool.remaining} remaining; ${outcome.abandoned.length} run(s) and ${outcome.abandonedRestores.length} restore(s) marked abandoned`);
          const n = outcome.notifications;
          if (n && n.delivered + n.failed + n.givenUp > 0) printText(`${server}: notifications ${n.delivered} delivered, ${n.failed} failed (will retry), ${n.givenUp} given up`);
        }
        for (const job of outcome.oneOffs) {
          const line = `  ${job.kind} ${job.name}: ${job.state}: ${job.message}`;
          printText(job.state === 'succeeded' ? style.add(line) : style.remove(line));
        }
        if (opts.oneOffsOnly && outcome.oneOffs.length === 0) printText(`${server}: no one-off job due`);
        if (outcome.prune) await writePruneText(outcome.prune, Boolean(opts.dryRun), false);
        if (outcome.offsite) for (const line of offsiteText(outcome.offsite, Boolean(opts.dryRun), false)) printText(line);
      }
      if (anyOneOffFailed(outcomes)) process.exitCode = 1;
    });

  program
    .command('prune')
    .description('apply retention (local, and remote for off-site copies): list each backup as kept or expired with the rule that decided, and expire')
    .option('--dry-run', 'only list the decisions')
    .option('--force', 'also expire every backup of definitions removed from the configuration')
    .option('--verbose-decisions', 'list kept backups too, with the rules that keep them')
    .option('--json', 'print the decisions as JSON')
    .action(async (opts: { dryRun?: boolean; force?: boolean; verboseDecisions?: boolean }, command: Command) => {
      const ctx = contextOf(command);
      if ((await actAsJobUser(ctx, actingForThisMachine(ctx, 'write'))) === 'delegated') return;
      // Run by hand: wait for a scheduled maintain of the server to finish rather than skip.
      const outcomes = await maintainAll(ctx, Boolean(opts.dryRun), Boolean(opts.force), { pruneOnly: true, lockWaitMs: ctx.settings.lockTimeoutMs });
      if (ctx.json) return printJsonWithDecisions({ servers: outcomes.map(({ server, outcome }) => ({ server, prune: pruneJson(outcome.prune), offsite: offsiteJson(outcome.offsite) })) });
      for (const { server, outcome } of outcomes) {
        printText(`${server}:`);
        if (outcome.prune) await writePruneText(outcome.prune, Boolean(opts.dryRun), Boolean(opts.verboseDecisions));
        if (outcome.offsite) for (const line of offsiteText(outcome.offsite, Boolean(opts.dryRun), Boolean(opts.verboseDecisions))) printText(line);
      }
    });
}

/** True when a one-off job that ran in this maintain failed or was missed: the exit code says so to cron. */
function anyOneOffFailed(outcomes: Array<{ outcome: MaintainOutcome }>): boolean {
  return outcomes.some(({ outcome: o }) => o.oneOffs.some((j) => j.state !== 'succeeded'));
}

async function maintainAll(
  ctx: CommandContext, dryRun: boolean, forceRemoved: boolean, only: { pruneOnly?: boolean; oneOffsOnly?: boolean; lockWaitMs?: number } = {},
): Promise<Array<{ server: string; outcome: MaintainOutcome }>> {
  const servers = ctx.settings.server ? [ctx.settings.server] : await cachedServers(ctx.settings.stateDir);
  if (servers.length === 0) throw new CliError('no backup server has been applied in this state directory; pass --server NAME');
  return withCatalog(ctx.settings, ctx.logger, async (catalog) => {
    const out = [];
    for (const server of servers) {
      out.push({ server, outcome: await maintainServer(catalog, ctx.logger, {
        stateDir: ctx.settings.stateDir, server, dryRun: dryRun || false, forceRemoved, now: Date.now(), ...only,
        recordRestorableWindows: (objects) => recordRestorableWindows(catalog, objects, ctx.settings.stateDir, 'maintain'),
      }) });
    }
    return out;
  });
}
