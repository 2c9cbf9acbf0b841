// pgbackops restore <backup-id> --to-node NODE: the plan first (all of it with --dry-run), then the restore.
import type { Command } from 'commander';
import { renderRestorePlan } from '../../core/restore/render-restore-plan.js';
import type { RolesMode } from '../../core/restore/restore-plan.js';
import { withCatalog } from '../../runtime/catalog-session.js';
import { RestoreRefusedError } from '../../methods/method.js';
import { restoreToDirectory } from '../restore-to-directory.js';
import { backupSource, findBackupOrCopy } from '../offsite-source.js';
import { backupMethodOf } from '../../methods/registry.js';
import { actingForThisMachine, becomeJobUser } from '../act-as-job-user.js';
import { confirm } from '../confirm.js';
import { contextOf } from '../context.js';
import { flagOf } from '../flag-values.js';
import { configuredIdentityFile } from '../../adapters/age/identity-file.js';
import { CliError, printJson, printText, stdoutStyle } from '../output.js';
import { createProgressLine, progressWanted } from '../progress.js';
import { restoreProgressLine } from '../restore-progress.js';
import { addRecoveryTargetOptions } from '../recovery-target-flags.js';

interface RestoreFlags {
  toNode?: string;
  toDir?: string;
  targetTime?: string;
  targetLsn?: string;
  targetTimeline?: string;
  tablespaceMap?: string[];
  tablespaceMapAll?: string;
  targetName?: string;
  latest?: boolean;
  start?: boolean;
  port?: string;
  database?: string;
  renameExisting?: boolean;
  roles: string;
  jobs: string;
  dryRun?: boolean;
  yes?: boolean;
  identityFile?: string;
  from?: string;
}

export function registerRestore(program: Command): void {
  const command = program
    .command('restore')
    .description('restore a backup: a logical backup into a node (--to-node), a physical one into a directory (--to-dir) to a point in time; checks everything first and never drops existing data')
    .argument('<backup-id>', 'backup run id (or a unique prefix of it, at least 4 characters)')
    .option('--to-node <node>', 'the Node to restore a logical backup (pg_dump, pg_dumpall) into')
    .option('--to-dir <dir>', 'physical backups: the new, empty directory to restore the cluster into');
  addRecoveryTargetOptions(command, '--latest', 'physical backups')
    .option('--tablespace-map <old=new>', 'physical backups: restore the tablespace at OLD (its location in the backup) into NEW, a new or empty directory; once per tablespace (pg_basebackup -T\'s convention)', (value: string, previous: string[] = []) => [...previous, value])
    .option('--tablespace-map-all <dir>', 'physical backups: restore every tablespace not given by --tablespace-map into DIR/<its OID>, each a new or empty directory (pgBackRest\'s own option uses names; here OIDs, for both methods)')
    .option('--start', 'physical backups: start the restored cluster and wait until recovery reaches the target')
    .option('--port <port>', 'physical backups, with --start: the port to start it on (refused before anything is read when in use: TCP on any local address, or the socket it would use)')
    .option('--database <name>', 'restore the database under this name (database backups only)')
    .option('--rename-existing', 'rename an existing database of the same name to <name>_<YYYYMMDDHHMMSS> first (never dropped)')
    .option('--roles <mode>', 'create: refuse when a needed role already exists; reuse: use existing roles as they are', 'create')
    .option('--jobs <n>', 'parallel pg_restore jobs (custom and directory archives)', '1')
    .option('--identity-file <file>', 'an encrypted backup: the age identity (private key) file of one of its recipients (default: $PGBACKOPS_AGE_IDENTITY_FILE)')
    .option('--from <store>', 'restore from the off-site copy in this ObjectStore (default: the local files, else a copy when they are gone)')
    .option('--dry-run', 'print the plan and the checks; change nothing')
    .option('-y, --yes', 'do not ask for confirmation (required when not on a TTY)')
    .option('--json', 'print the plan and outcome as JSON')
    .action(async (backupId: string, opts: RestoreFlags, command: Command) => {
      const ctx = contextOf(command);
      if (opts.from !== undefined && opts.toNode === undefined) throw new CliError('--from: off-site copies are restored into a node (--to-node); a physical restore into a directory reads its backup server\'s files', 1);
      if (opts.toDir !== undefined || opts.toNode === undefined) return restoreToDirectory(backupId, opts, command);
      const physicalOnly = (['targetTime', 'targetLsn', 'targetName', 'latest', 'targetTimeline', 'tablespaceMap', 'tablespaceMapAll', 'start', 'port'] as const).filter((k) => opts[k] !== undefined);
      if (physicalOnly.length > 0) throw new CliError(`${physicalOnly.map(flagOf).join(', ')}: only for a physical backup restored into a directory (--to-dir), not with --to-node`);
      const roles = parseRoles(opts.roles);
      const jobs = Number(opts.jobs);
      if (!Number.isInteger(jobs) || jobs < 1 || jobs > 64) throw new CliError(`--jobs must be an integer from 1 to 64, not ${JSON.stringify(opts.jobs)}`);
      const interactive = !opts.yes && !opts.dryRun;
      if (interactive && (!process.stdin.isTTY || ctx.json)) {
        throw new CliError('restore asks for confirmation; not on a TTY, so pass --yes (or --dry-run to see the plan)');
      }
      // As the job user, in this process: no second Node start in the restore's time (act-as-job-user.ts).
      await becomeJobUser(ctx, actingForThisMachine(ctx, 'read'));
      const style = stdoutStyle();
      const identityFile = configuredIdentityFile(opts.identityFile);
      const outcome = await withCatalog(ctx.settings, ctx.logger, async (catalog) => {
        // An off-site copy is downloaded and checked first; the restore then reads it like local files.
        const source = await backupSource(catalog, await findBackupOrCopy(catalog, backupId), { ...(opts.from !== undefined ? { from: opts.from } : {}), stateDir: ctx.settings.stateDir });
        if (source.from !== 'local' && !ctx.json) printText(`Backup ${source.row.id}: downloaded from ${source.from} and checked against its manifest.`);
        const backup = source.row;
        // On a TTY: each step of the restore, the load's bytes read against the dump's size, then the elapsed time.
        const progress = progressWanted(ctx) ? restoreProgressLine(createProgressLine(process.stderr), backup.id) : null;
        try {
          const outcome = await backupMethodOf(backup.method, `backup ${backup.id}`).restore(catalog, {
            backup, targetNode: opts.toNode!, dryRun: Boolean(opts.dryRun), purpose: 'restore',
            ...(identityFile !== undefined ? { identityFile } : {}),
            options: { ...(opts.database !== undefined ? { targetDatabase: opts.database } : {}), renameExisting: Boolean(opts.renameExisting), roles, jobs },
            stateDir: ctx.settings.stateDir, actor: ctx.settings.actor, logger: ctx.logger,
            ...(interactive ? { confirm: (plan) => confirm(renderRestorePlan(plan, style), 'Restore now?') } : {}),
            ...(progress ? { onProgress: progress.onProgress } : {}),
          });
          progress?.finish(outcome.record?.status ?? 'nothing restored');
          return outcome;
        } catch (err) {
          progress?.finish('failed');
          // A refusal with a code of its own (an identity that cannot decrypt the backup) is printed with it.
          if (err instanceof RestoreRefusedError && err.code === 'E_RESTORE_REFUSED') throw new CliError(err.message, 1, err.code);
          throw err;
        } finally {
          await source.release();
        }
      });
      const { plan, record } = outcome;
      if (ctx.json) {
        printJson({ dry_run: Boolean(opts.dryRun), plan, restore: record, recorded_in: outcome.recordedIn });
      } else {
        if (!interactive) printText(renderRestorePlan(plan, style));
        if (record) {
          printText(record.status === 'succeeded'
            ? style.add(`Restore ${record.id} succeeded.`)
            : style.remove(`Restore ${record.id} failed: ${record.failureReason}`));
          if (record.status === 'failed' && record.log) printText(record.log.split('\n').filter((l) => /^(dropped|renamed .* back|could not)/.test(l)).join('\n'));
          if (outcome.recordedIn === 'spool') printText(style.warn('The catalog was unreachable: the restore is recorded in the local spool; `pgbackops maintain` ingests it.'));
        } else if (!opts.dryRun && plan.refusals.length === 0) {
          printText('Restore cancelled; nothing was changed.');
        }
      }
      process.exitCode = plan.refusals.length > 0 || record?.status === 'failed' ? 1 : 0;
    });
}

function parseRoles(value: string): RolesMode {
  if (value === 'create' || value === 'reuse') return value;
  throw new CliError(`--roles must be create or reuse, not ${JSON.stringify(value)}`);
}
