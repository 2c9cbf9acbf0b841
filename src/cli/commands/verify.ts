// pgbackops verify <backup-id> | --latest DEFINITION: checksums, pg_restore --list, and optionally a trial
// restore into a scratch database that is dropped afterwards.
import type { Command } from 'commander';
import { withCatalog } from '../../runtime/catalog-session.js';
import type { VerifyOutcome } from '../../methods/method.js';
import { backupMethodOf } from '../../methods/registry.js';
import { actAsJobUser, actingForThisMachine } from '../act-as-job-user.js';
import { contextOf } from '../context.js';
import { configuredIdentityFile } from '../../adapters/age/identity-file.js';
import { CliError, printJson, printText, stdoutStyle } from '../output.js';
import { backupSource, findBackupOrCopy } from '../offsite-source.js';
import { createProgressLine, progressWanted, startByteProgress, type ByteProgress } from '../progress.js';
import { addRecoveryTargetOptions, recoveryFlagName, recoveryTargetOfFlags } from '../recovery-target-flags.js';

interface VerifyFlags {
  latest?: string;
  targetTime?: string;
  targetLsn?: string;
  targetName?: string;
  targetLatest?: boolean;
  targetTimeline?: string;
  database?: string;
  restore?: boolean;
  toNode?: string;
  jobs: string;
  identityFile?: string;
  from?: string;
}

export function registerVerify(program: Command): void {
  const command = program
    .command('verify')
    .description('check that a backup is restorable: manifest checksums, pg_restore --list, and with --restore a trial restore')
    .argument('[backup-id]', 'backup run id (or a unique prefix of it)')
    .option('--latest <definition>', 'the newest succeeded backup of this definition instead of an id')
    .option('--database <name>', 'with --latest: of this database')
    .option('--restore', 'also restore it: a logical backup into a scratch database on --to-node, a physical one (basebackup, pgbackrest) into a temporary directory started on a free port (removed afterwards; recorded as a trial restore)')
    .option('--to-node <node>', 'the Node for the trial restore of a logical backup');
  addRecoveryTargetOptions(command, '--target-latest', 'with --restore, physical backups')
    .option('--jobs <n>', 'parallel pg_restore jobs for the trial restore', '1')
    .option('--identity-file <file>', 'an encrypted backup: the age identity (private key) file that decrypts it, to check the archive itself (default: $PGBACKOPS_AGE_IDENTITY_FILE); without it only the ciphertext checksums are checked')
    .option('--from <store>', 'verify the off-site copy in this ObjectStore (default: the local files, else a copy when they are gone)')
    .option('--json', 'print the outcome as JSON')
    .action(async (backupId: string | undefined, opts: VerifyFlags, command: Command) => {
      const ctx = contextOf(command);
      if ((backupId === undefined) === (opts.latest === undefined)) throw new CliError('give a backup id or --latest DEFINITION (one of them)');
      if (!opts.restore && opts.toNode) throw new CliError('--to-node is for --restore');
      const recovery = recoveryOf(opts);
      const jobs = Number(opts.jobs);
      if (!Number.isInteger(jobs) || jobs < 1 || jobs > 64) throw new CliError(`--jobs must be an integer from 1 to 64, not ${JSON.stringify(opts.jobs)}`);
      if ((await actAsJobUser(ctx, actingForThisMachine(ctx, 'read'))) === 'delegated') return;
      const identityFile = configuredIdentityFile(opts.identityFile);
      const outcome = await withCatalog(ctx.settings, ctx.logger, async (catalog) => {
        const latest = backupId === undefined ? await catalog.reports.latestSucceeded(opts.latest!, opts.database) : null;
        if (backupId === undefined && !latest) throw new CliError(`definition ${opts.latest} has no succeeded backup${opts.database ? ` of database ${JSON.stringify(opts.database)}` : ''}`, 1, 'E_BACKUP_NOT_FOUND');
        const found = await findBackupOrCopy(catalog, backupId ?? latest!.id);
        // A logical backup is tried in a scratch database of a node; a physical one in a directory of this machine.
        if (opts.restore && !opts.toNode && found.row.method === 'logical') throw new CliError('--restore needs --to-node NODE (where the scratch database is created)');
        if (recovery && found.row.method === 'logical') throw new CliError(`${recovery.flags.join(', ')}: a recovery target is for a physical backup's trial restore; backup ${found.row.id} is logical (restored to the dump's moment)`);
        // A copy is downloaded and checked against its manifest first (a refused copy is an error, exit 1).
        const source = await backupSource(catalog, found, { ...(opts.from !== undefined ? { from: opts.from } : {}), stateDir: ctx.settings.stateDir });
        // On a TTY: the files' bytes hashed against their recorded total, then the whole check's elapsed time.
        const line = progressWanted(ctx) ? createProgressLine(process.stderr) : null;
        let progress: ByteProgress | null = null;
        let hashedBytes: number | null = null;
        const onHashProgress = line
          ? (hashed: number, total: number) => {
              progress ??= startByteProgress(line, `verify ${source.row.id.slice(0, 8)}`, { estimate: total, bytes: hashed });
              hashedBytes = hashed;
              progress.bytes(hashed);
            }
          : undefined;
        try {
          const outcome = await backupMethodOf(source.row.method, `backup ${source.row.id}`).verify(catalog, source.row, {
            ...(onHashProgress ? { onHashProgress } : {}),
            ...(opts.restore && opts.toNode ? { trialNode: opts.toNode } : {}), ...(opts.restore ? { trialRestore: true } : {}), jobs,
            ...(recovery ? { recovery: recovery.options } : {}),
            ...(identityFile !== undefined ? { identityFile } : {}),
            stateDir: ctx.settings.stateDir, actor: ctx.settings.actor, logger: ctx.logger,
          }).catch((err: unknown) => {
            // The error is printed on a line of its own, after the line that says how far the check got.
            (progress as ByteProgress | null)?.finish('failed', hashedBytes);
            throw err;
          });
          (progress as ByteProgress | null)?.finish(outcome.ok ? 'verified' : 'problems found', hashedBytes);
          return { ...outcome, from: source.from };
        } finally {
          await source.release();
        }
      });
      if (ctx.json) {
        printJson({
          backup_id: outcome.backupId, from: outcome.from, ok: outcome.ok, files: outcome.files, archive: outcome.archive,
          trial: outcome.trial && {
            scratch_database: outcome.trial.scratchDatabase, duration_ms: outcome.trial.durationMs, problem: outcome.trial.problem,
            restore: outcome.trial.outcome?.record ?? outcome.trial.record ?? null, refusals: outcome.trial.outcome?.plan.refusals ?? [],
          },
        });
      } else {
        if (outcome.from !== 'local') printText(`Backup ${outcome.backupId}: downloaded from ${outcome.from} and checked against its manifest.`);
        printText(renderVerify(outcome));
      }
      process.exitCode = outcome.ok ? 0 : 1;
    });
}

/**
 * The trial restore's recovery target from restore's own flags, read and refused as `restore --to-dir` does
 * (recovery-target-flags.ts); null when none is given (the backup's end).
 */
function recoveryOf(opts: VerifyFlags): { flags: string[]; options: ReturnType<typeof recoveryTargetOfFlags> } | null {
  const fields = { ...opts, latest: opts.targetLatest };
  const flags = (['targetTime', 'targetLsn', 'targetName', 'latest', 'targetTimeline'] as const).filter((k) => fields[k] !== undefined).map(recoveryFlagName('--target-latest'));
  if (flags.length === 0) return null;
  if (!opts.restore) throw new CliError(`${flags.join(', ')}: the recovery target of a trial restore: give --restore too`);
  return { flags, options: recoveryTargetOfFlags(fields, '--target-latest') };
}

function renderVerify(o: VerifyOutcome): string {
  const style = stdoutStyle();
  const ok = (s: string) => `${style.add('ok  ')} ${s}`;
  const fail = (s: string) => `${style.remove('FAIL')} ${s}`;
  const lines = [style.bold(`Verify backup ${o.backupId}`)];
  lines.push(o.files.problems.length === 0 ? ok(`checksums: ${o.files.checked} file(s) match the manifest`) : fail(`checksums: ${o.files.problems.join('; ')}`));
  if (o.files.problems.length === 0) {
    const read = o.archive.entries !== null ? `pg_restore --list read ${o.archive.entries} entries` : o.archive.note;
    if (o.archive.checked) lines.push(o.archive.problem === null ? ok(`archive: ${read}`) : fail(`archive: ${o.archive.problem}`));
    else if (o.archive.note) lines.push(`     archive: ${o.archive.note}`);
  }
  if (o.trial) {
    const seconds = o.trial.durationMs === null ? '' : ` in ${(o.trial.durationMs / 1000).toFixed(1)} s`;
    const refusals = o.trial.outcome?.plan.refusals ?? [];
    if (o.trial.problem === null && o.trial.description) {
      lines.push(ok(`${o.trial.description}${seconds}`));
    } else if (o.trial.problem === null) {
      lines.push(ok(`trial restore into ${JSON.stringify(o.trial.scratchDatabase)} on ${o.trial.outcome!.plan.targetNode}${seconds}; scratch database dropped (restore ${o.trial.outcome!.record!.id})`));
    } else {
      lines.push(fail(`trial restore${seconds}: ${refusals.length > 0 ? refusals.join('; ') : o.trial.problem}`));
    }
  }
  lines.push(o.ok ? style.add('Verified.') : style.remove('Verification failed.'));
  return lines.join('\n');
}
