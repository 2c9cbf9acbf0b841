// Errors of the schedule layer, with stable codes so the CLI can print them and tests can tell them apart.
import { PgbackopsError } from '../errors.js';

export type ScheduleErrorCode =
  /** A name, path, user or schedule that cannot safely become part of a cron line. */
  | 'SCHEDULE_UNSAFE_VALUE'
  /** The cron.d file exists but pgbackops did not write it: never overwritten. */
  | 'SCHEDULE_FOREIGN_FILE'
  /** The crontab's managed block is malformed (two blocks, unterminated, nested or mangled fence). */
  | 'SCHEDULE_CORRUPT_BLOCK'
  /** crontab -l showed text it may have escaped (Debian prints CR and backspace as \r and \b): not rewritten. */
  | 'SCHEDULE_AMBIGUOUS_CRONTAB'
  /** The crontab kept changing while pgbackops tried to write it. */
  | 'SCHEDULE_CONCURRENT_EDIT'
  /** crontab(1) or the file system failed in a way pgbackops cannot interpret. */
  | 'SCHEDULE_TARGET_FAILED';

export class ScheduleError extends PgbackopsError {
  constructor(
    readonly code: ScheduleErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ScheduleError';
  }
}
