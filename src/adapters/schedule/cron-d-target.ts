// A whole file in /etc/cron.d owned by pgbackops. Written to a temp file in the same directory (its name
// starts with a dot, which cron ignores), fsynced, then renamed over the old one: cron and any other reader
// see the old file or the new one, never a part. A file that lacks our header is someone else's: never
// overwritten. An empty entry list keeps the file with its header (see renderCronDFile).
import { lstat, readFile } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { basename, isAbsolute } from 'node:path';
import type { ObservedSchedule, ScheduleEntry } from '../../core/schedule/entry.js';
import { ScheduleError } from '../../core/schedule/errors.js';
import { absentSchedule, isPgbackopsCronDFile, parseCronDFile } from '../../core/schedule/parse.js';
import { renderCronDFile, type CronTextOptions, type LineOptions } from '../../core/schedule/render.js';
import { assertSafePath } from '../../core/schedule/safe-values.js';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { isRoot } from '../os/os-user.js';
import type { ScheduleTarget } from './target.js';

export { DEFAULT_CRON_D_FILE } from '../../core/config/normalise.js';
import { DEFAULT_CRON_D_FILE } from '../../core/config/normalise.js';
const FILE_MODE = 0o644;
/** Debian cron skips cron.d files whose names contain anything else (a dot in particular). */
const CRON_D_NAME_RE = /^[A-Za-z0-9_-]+$/;

interface FoundFile {
  text: string;
  stat: Stats;
}

export class CronDTarget implements ScheduleTarget {
  readonly description: string;
  readonly lineOptions: LineOptions;

  constructor(
    private readonly file: string,
    private readonly text: CronTextOptions & { user: string },
  ) {
    if (!isAbsolute(file)) throw new ScheduleError('SCHEDULE_UNSAFE_VALUE', `cron.d file must be an absolute path, got ${JSON.stringify(file)}`);
    assertSafePath(file, 'cron.d file');
    if (!CRON_D_NAME_RE.test(basename(file))) {
      throw new ScheduleError('SCHEDULE_UNSAFE_VALUE', `cron.d file name ${JSON.stringify(basename(file))} would be ignored by cron: use letters, digits, _ and - only (no dots)`);
    }
    renderCronDFile([], text); // validates binary, state directory, user and PATH now rather than at the first write
    this.description = `cron.d file ${file}`;
    this.lineOptions = { binary: text.binary, stateDir: text.stateDir, user: text.user, ...(text.server !== undefined ? { server: text.server } : {}) };
  }

  async read(): Promise<ObservedSchedule> {
    const found = await this.inspect();
    if (!found) return absentSchedule();
    const observed = parseCronDFile(found.text);
    return { ...observed, problems: [...(observed.problems ?? []), ...metadataProblems(found.stat)] };
  }

  async write(entries: ScheduleEntry[]): Promise<void> {
    const content = renderCronDFile(entries, this.text);
    const found = await this.inspect();
    if (found && found.text === content && metadataProblems(found.stat).length === 0) return;
    // Created by this process: owned by root when pgbackops runs as root, as cron requires.
    await writeFileAtomic(this.file, content, FILE_MODE);
  }

  /** The current file, or null; throws if something is there that pgbackops must not replace. */
  private async inspect(): Promise<FoundFile | null> {
    let stat: Stats;
    try {
      stat = await lstat(this.file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    if (!stat.isFile()) {
      throw new ScheduleError('SCHEDULE_FOREIGN_FILE', `${this.file} exists and is not a regular file (a symlink or directory): pgbackops only replaces a file it wrote`);
    }
    const text = await readFile(this.file, 'utf8');
    if (!isPgbackopsCronDFile(text)) {
      throw new ScheduleError('SCHEDULE_FOREIGN_FILE', `${this.file} exists and was not written by pgbackops (no pgbackops header): refusing to overwrite it; choose another file or remove it`);
    }
    return { text, stat };
  }
}

/** Reasons cron would ignore the file even though its content is right. */
function metadataProblems(stat: Stats): string[] {
  const problems: string[] = [];
  const mode = stat.mode & 0o7777;
  if (mode !== FILE_MODE) problems.push(`file mode ${mode.toString(8).padStart(4, '0')}, expected 0644`);
  if (isRoot() && stat.uid !== 0) problems.push(`owned by uid ${stat.uid}: cron only reads cron.d files owned by root`);
  if (stat.nlink > 1) problems.push(`${stat.nlink} hard links: cron ignores cron.d files with more than one`);
  return problems;
}
