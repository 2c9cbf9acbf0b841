// The recovery target flags of a physical restore: `restore --to-dir` and `verify --restore` take the same ones,
// defined, read and refused here once (docs/restore.md, "Physical backups"). verify's own --latest already names
// a definition's newest backup, so there "everything the archive has" is spelled --target-latest.
import type { Command } from 'commander';
import { recoveryOptionsOf, recoveryTargetFieldProblems, type RecoveryTargetFields } from '../core/restore/physical-restore-fields.js';
import type { DirectoryRestoreOptions } from '../core/restore/directory-restore.js';
import { flagOf } from './flag-values.js';
import { CliError } from './output.js';

export type LatestFlag = '--latest' | '--target-latest';

/** Adds --target-time, --target-lsn, --target-name, the latest flag and --target-timeline to a command. */
export function addRecoveryTargetOptions(command: Command, latestFlag: LatestFlag, context: string): Command {
  return command
    .option('--target-time <time>', `${context}: recover up to this instant (ISO 8601 with an offset, e.g. 2026-12-05T10:00:00Z)`)
    .option('--target-lsn <lsn>', `${context}: recover up to this LSN (e.g. 0/3000028)`)
    .option('--target-name <name>', `${context}: recover up to this restore point (pg_create_restore_point)`)
    .option(latestFlag, `${context}: recover everything the WAL archive has (default: the backup's end)`)
    .option('--target-timeline <n>', `${context}, with a recovery target: the timeline recovery ends on: latest (default, as PostgreSQL), current (the backup's) or a number; followed through the archive's .history files`);
}

/** The flags as commander gives them (`latest` holds the latest flag, whichever its spelling). */
export type RecoveryTargetFlags = RecoveryTargetFields;

/** The flag a field is given with on a command whose latest flag is `latestFlag`. */
export function recoveryFlagName(latestFlag: LatestFlag): (field: string) => string {
  return (field) => (field === 'latest' ? latestFlag : flagOf(field));
}

/**
 * Checks the recovery target flags (one target; each value's form; the timeline needs a target) and returns the
 * restore's target and timeline. A refusal is a usage error, before anything is read.
 */
export function recoveryTargetOfFlags(opts: RecoveryTargetFlags, latestFlag: LatestFlag): Pick<DirectoryRestoreOptions, 'target' | 'timeline'> {
  const name = recoveryFlagName(latestFlag);
  const given = (['targetTime', 'targetLsn', 'targetName', 'latest'] as const).filter((k) => opts[k] !== undefined);
  if (given.length > 1) throw new CliError(`${given.map(name).join(', ')} exclude each other: recovery stops at one target`);
  if (opts.targetTime !== undefined) {
    // An instant needs its offset: a bare local time would be read in the restoring server's zone.
    if (!/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)$/.test(opts.targetTime) || Number.isNaN(Date.parse(opts.targetTime))) {
      throw new CliError(`--target-time must be an ISO 8601 instant with its offset (e.g. 2026-12-05T10:00:00Z), not ${JSON.stringify(opts.targetTime)}`);
    }
  }
  if (opts.targetLsn !== undefined && !/^[0-9A-Fa-f]{1,8}\/[0-9A-Fa-f]{1,8}$/.test(opts.targetLsn)) throw new CliError(`--target-lsn must be an LSN like 0/3000028, not ${JSON.stringify(opts.targetLsn)}`);
  if (opts.targetName !== undefined && (opts.targetName.length === 0 || opts.targetName.length > 63)) throw new CliError('--target-name must be a restore point name of 1 to 63 characters');
  const problem = recoveryTargetFieldProblems(opts, name)[0];
  if (problem) throw new CliError(problem.message);
  return recoveryOptionsOf(opts);
}
