// pgbackops restore <backup-id> --to-dir DIR [--target-time T | --target-lsn L | --target-name N | --latest]
// [--start --port P]: a physical backup restored into a directory on this machine and recovered to a target.
// The method does the work (BackupMethod.restoreToDirectory); this file turns flags into its request.
import { isAbsolute, resolve } from 'node:path';
import type { Command } from 'commander';
import type { DirectoryRestorePlan } from '../core/restore/directory-restore.js';
import { directoryRestoreFieldProblems, directoryRestoreOptionsOf, type DirectoryRestoreFields } from '../core/restore/physical-restore-fields.js';
import { parseTablespaceMapping } from '../core/methods/basebackup/tablespace-map.js';
import { withCatalog } from '../runtime/catalog-session.js';
import { RestoreRefusedError } from '../methods/method.js';
import { backupMethodOf } from '../methods/registry.js';
import { actingForThisMachine, becomeJobUser } from './act-as-job-user.js';
import { contextOf } from './context.js';
import { CliError, printJson, printText, stdoutStyle } from './output.js';
import { resolveBackup } from './backup-rows.js';
import { confirm } from './confirm.js';
import { flagOf } from './flag-values.js';
import { createProgressLine, progressWanted } from './progress.js';
import { restoreProgressLine } from './restore-progress.js';
import { recoveryTargetOfFlags } from './recovery-target-flags.js';

export interface DirectoryRestoreFlags {
  toNode?: string;
  toDir?: string;
  targetTime?: string;
  targetLsn?: string;
  targetName?: string;
  latest?: boolean;
  targetTimeline?: string;
  tablespaceMap?: string[];
  tablespaceMapAll?: string;
  start?: boolean;
  port?: string;
  dryRun?: boolean;
  yes?: boolean;
  database?: string;
  renameExisting?: boolean;
}

export async function restoreToDirectory(backupId: string, opts: DirectoryRestoreFlags, command: Command): Promise<void> {
  const ctx = contextOf(command);
  if (opts.toDir === undefined) throw new CliError('say where to restore: --to-node NODE (logical backups) or --to-dir DIR (physical backups)');
  if (opts.toNode !== undefined) throw new CliError('--to-node and --to-dir exclude each other: a logical backup restores into a node, a physical one into a directory');
  const logicalOnly = (['database', 'renameExisting'] as const).filter((k) => opts[k] !== undefined);
  if (logicalOnly.length > 0) throw new CliError(`${logicalOnly.map(flagOf).join(', ')}: only for a logical backup restored into a node (--to-node), not with --to-dir`);
  recoveryTargetOfFlags(opts, '--latest');
  const start = startOf(opts);
  const toDir = isAbsolute(opts.toDir) ? opts.toDir : resolve(opts.toDir);
  // The flags as a Restore's fields: checked and turned into the request by the code a Restore's run uses.
  const fields: DirectoryRestoreFields = {
    toDir, ...pick(opts, ['targetTime', 'targetLsn', 'targetName', 'latest', 'targetTimeline']),
    ...(opts.tablespaceMap ? { tablespaceMap: opts.tablespaceMap.map(splitMapping) } : {}),
    ...(opts.tablespaceMapAll !== undefined ? { tablespaceMapAll: opts.tablespaceMapAll } : {}),
    ...(start ? { start: true, port: start.port } : {}),
  };
  const problem = directoryRestoreFieldProblems(fields, flagOf)[0];
  if (problem) throw new CliError(problem.message);
  const options = directoryRestoreOptionsOf(fields);
  const interactive = !opts.yes && !opts.dryRun;
  if (interactive && (!process.stdin.isTTY || ctx.json)) {
    throw new CliError('restore asks for confirmation; not on a TTY, so pass --yes (or --dry-run to see the plan)');
  }
  // As the job user, in this process: no second Node start in the restore's time (act-as-job-user.ts).
  await becomeJobUser(ctx, actingForThisMachine(ctx, 'read'));
  const style = stdoutStyle();
  const outcome = await withCatalog(ctx.settings, ctx.logger, async (catalog) => {
    const backup = await resolveBackup(catalog, backupId);
    const method = backupMethodOf(backup.method, `backup ${backup.id}`);
    if (!method.restoreToDirectory) {
      throw new CliError(`backup ${backup.id} was taken by the ${backup.method} method, which restores into a node: use --to-node NODE`, 1, 'E_RESTORE_REFUSED');
    }
    // On a TTY: each step (extraction: the tars' bytes read; recovery: the WAL replayed), then the elapsed time.
    const progress = progressWanted(ctx) ? restoreProgressLine(createProgressLine(process.stderr), backup.id) : null;
    try {
      const outcome = await method.restoreToDirectory(catalog, {
        backup, options, dryRun: Boolean(opts.dryRun), purpose: 'restore',
        stateDir: ctx.settings.stateDir, actor: ctx.settings.actor, logger: ctx.logger,
        ...(interactive ? { confirm: (plan) => confirm(renderDirectoryRestorePlan(plan), 'Restore now?') } : {}),
        ...(progress ? { onProgress: progress.onProgress } : {}),
      });
      progress?.finish(outcome.record?.status ?? 'nothing restored');
      return outcome;
    } catch (err) {
      progress?.finish('failed');
      // A refusal with a code of its own (E_RESTORE_PORT_IN_USE) is printed with it, as `pgbackops: error CODE: ...`.
      if (err instanceof RestoreRefusedError && err.code === 'E_RESTORE_REFUSED') throw new CliError(err.message, 1, err.code);
      throw err;
    }
  });
  const { plan, record, result } = outcome;
  if (ctx.json) {
    printJson({ dry_run: Boolean(opts.dryRun), plan, restore: record, result, recorded_in: outcome.recordedIn });
  } else {
    if (!interactive) printText(renderDirectoryRestorePlan(plan));
    if (record) {
      printText(record.status === 'succeeded'
        ? style.add(`Restore ${record.id} succeeded${result?.reached?.time ? `: recovered to ${result.reached.time}` : ''}${result?.started ? `; the cluster is running on port ${result.started.port}` : ''}.`)
        : style.remove(`Restore ${record.id} failed: ${record.failureReason}`));
      if (outcome.recordedIn === 'spool') printText(style.warn('The catalog was unreachable: the restore is recorded in the local spool; `pgbackops maintain` ingests it.'));
    } else if (!opts.dryRun && plan.refusals.length === 0) {
      printText('Restore cancelled; nothing was changed.');
    }
  }
  process.exitCode = plan.refusals.length > 0 || record?.status === 'failed' ? 1 : 0;
}

/** One --tablespace-map OLD=NEW as a pair ('\=' for an '=' in a path); the pair is checked with the other fields. */
function splitMapping(text: string): [string, string] {
  const m = parseTablespaceMapping(text);
  if ('error' in m) throw new CliError(m.error);
  return [m.from, m.to];
}

function pick<T extends object, K extends keyof T>(obj: T, keys: readonly K[]): Pick<T, K> {
  return Object.fromEntries(keys.filter((k) => obj[k] !== undefined).map((k) => [k, obj[k]])) as Pick<T, K>;
}

function startOf(opts: DirectoryRestoreFlags): { port: number } | undefined {
  if (!opts.start) {
    if (opts.port !== undefined) throw new CliError('--port is the port --start starts the restored cluster on: give --start too');
    return undefined;
  }
  if (opts.port === undefined) throw new CliError('--start needs --port P: the port to start the restored cluster on');
  const port = Number(opts.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new CliError(`--port must be an integer from 1 to 65535, not ${JSON.stringify(opts.port)}`);
  return { port };
}

/** The plan as text: what will be restored where, to which point, the checks and the steps. */
export function renderDirectoryRestorePlan(plan: DirectoryRestorePlan): string {
  const style = stdoutStyle();
  const lines = [
    `Restore of backup ${plan.backupId} (${plan.method}, ${plan.definition} on ${plan.node}) into ${plan.toDir}`,
    `  recovery target: ${plan.target.kind === 'end' ? "the backup's end" : plan.target.kind === 'latest' ? 'the latest point in the WAL archive' : `${plan.target.kind} ${Object.values(plan.target)[1]}`}`,
  ];
  if (plan.timeline) lines.push(`  timeline: ${plan.timeline.timeline}${plan.timeline.asked === String(plan.timeline.timeline) ? '' : ` (${plan.timeline.asked})`}${plan.timeline.path.length > 1 ? `, through timelines ${plan.timeline.path.join(' → ')}` : ''}`);
  if (plan.recoverableWindow) lines.push(`  recoverable from ${plan.recoverableWindow.from} to ${plan.recoverableWindow.to}`);
  lines.push('Checks:');
  for (const c of plan.checks) lines.push(`  ${c.ok ? style.add('ok ') : style.remove('NO ')} ${c.what}: ${c.detail}`);
  if (plan.refusals.length > 0) {
    lines.push(style.remove('Refused; nothing will be done:'));
    for (const r of plan.refusals) lines.push(`  - ${r}`);
  } else {
    lines.push('Steps:');
    plan.steps.forEach((s, i) => lines.push(`  ${i + 1}. ${s}`));
  }
  return lines.join('\n');
}
