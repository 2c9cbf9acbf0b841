// A fenced block in a user's crontab, read with `crontab -l` and installed with `crontab -` (stdin), so
// cron's own tool checks and installs it. Lines outside the block are the user's and are kept byte for byte:
// the text is handled as latin1, which maps every byte to one character and back, whatever the encoding.
//
// One thing crontab -l does not give back as it is: Debian's crontab -l prints a carriage return as the two
// characters `\r` and a backspace as `\b` (so a listing cannot hide lines), and does not escape `\` itself.
// A `\r` in the listing may therefore be a CR (a crontab with Windows line endings) or the literal text (a
// `sed 's/\r$//'` job); writing it back would turn every CR into the text `\r`. So when the user's part of
// the listing contains `\r` or `\b`, write() refuses (SCHEDULE_AMBIGUOUS_CRONTAB) rather than guess.
//
// crontab(1) has no compare-and-swap. write() reads, splices, then re-reads right before installing; if
// the crontab changed in between (someone ran crontab -e / crontab -), it starts again from the new text
// once, and refuses if it changed again. That narrows the window to the moment between the last read and
// the install. An editor session opened earlier and saved later can still put our old block back: the next
// reconcile pass sees the drift and restores it.
import os from 'node:os';
import { renderCrontabBlock, parseCrontabBlock, spliceCrontab } from '../../core/schedule/crontab-block.js';
import type { ObservedSchedule, ScheduleEntry } from '../../core/schedule/entry.js';
import { ScheduleError } from '../../core/schedule/errors.js';
import type { CronTextOptions, LineOptions } from '../../core/schedule/render.js';
import { assertCronUser } from '../../core/schedule/safe-values.js';
import type { ScheduleTarget } from './target.js';

/** Debian's crontab -l says exactly this, with exit 1, when the user has no crontab; anything else is an error. */
const NO_CRONTAB_RE = /^no crontab for \S+\s*$/;
const CRONTAB_TIMEOUT_MS = 30_000;
/** What Debian's crontab -l prints for a CR or a backspace, indistinguishable from the same literal text. */
const ESCAPED_BY_CRONTAB_L_RE = /\\[rb]/;

export interface CrontabTargetOptions {
  /** Whose crontab; default the user pgbackops runs as. */
  user?: string;
  /** The crontab program; tests point it elsewhere to simulate failures. */
  crontabCommand?: string;
  text: CronTextOptions;
}

export class CrontabTarget implements ScheduleTarget {
  readonly description: string;
  readonly lineOptions: LineOptions;
  private readonly command: string;
  private readonly userArgs: string[];
  private readonly owner: string;

  constructor(private readonly opts: CrontabTargetOptions) {
    if (opts.user !== undefined) assertCronUser(opts.user);
    renderCrontabBlock([], opts.text); // validates binary, state directory and PATH now rather than at the first write
    const current = os.userInfo().username;
    this.owner = opts.user ?? current;
    this.userArgs = opts.user !== undefined && opts.user !== current ? ['-u', opts.user] : [];
    this.command = opts.crontabCommand ?? 'crontab';
    this.description = `crontab of user ${this.owner}`;
    this.lineOptions = { binary: opts.text.binary, stateDir: opts.text.stateDir, ...(opts.text.server !== undefined ? { server: opts.text.server } : {}) };
  }

  async read(): Promise<ObservedSchedule> {
    return parseCrontabBlock((await this.readCrontab()) ?? '');
  }

  async write(entries: ScheduleEntry[]): Promise<void> {
    const block = entries.length > 0 ? renderCrontabBlock(entries, this.opts.text) : null;
    let current = await this.readCrontab();
    for (let attempt = 1; ; attempt++) {
      const next = spliceCrontab(current ?? '', block);
      if (next === (current ?? '')) return;
      this.assertRoundTrips(spliceCrontab(current ?? '', null));
      const latest = await this.readCrontab();
      if (latest === current) {
        // Our block was all there was: remove the crontab rather than leave an empty one behind.
        await (next === '' ? this.run(['-r']) : this.run(['-'], installable(next)));
        return;
      }
      if (attempt === 2) {
        throw new ScheduleError('SCHEDULE_CONCURRENT_EDIT', `the crontab of ${this.owner} changed twice while pgbackops was writing it; nothing written, try again`);
      }
      current = latest;
    }
  }

  /** Throws unless the user's lines, as listed, are certainly the bytes they were installed with. */
  private assertRoundTrips(userText: string): void {
    const escaped = ESCAPED_BY_CRONTAB_L_RE.exec(userText);
    if (!escaped) return;
    const lineNo = userText.slice(0, escaped.index).split('\n').length;
    throw new ScheduleError(
      'SCHEDULE_AMBIGUOUS_CRONTAB',
      `the crontab of ${this.owner} shows ${JSON.stringify(escaped[0])} at line ${lineNo}: crontab -l prints carriage returns ` +
        'and backspaces that way, so pgbackops cannot write the user\'s lines back unchanged and leaves the crontab alone. ' +
        'Remove the carriage returns (Windows line endings) or rewrite the lines containing a literal \\r or \\b, ' +
        'or use the cron.d scheduler.',
    );
  }

  /** The crontab's text, or null when the user has none. */
  private async readCrontab(): Promise<string | null> {
    const result = await this.exec(['-l']);
    if (result.exitCode === 0) return result.stdout;
    if (result.exitCode === 1 && NO_CRONTAB_RE.test(result.stderr)) return null;
    throw this.failure(['-l'], result);
  }

  private async run(args: string[], input?: string): Promise<void> {
    const result = await this.exec(args, input);
    if (result.exitCode !== 0) throw this.failure(args, result);
  }

  private async exec(args: string[], input?: string): Promise<{ exitCode: number | undefined; stdout: string; stderr: string; message: string }> {
    // Loaded on the first crontab call: every plan builds a schedule target, and execa is a quarter of a
    // megabyte of code that a cron.d or built-in schedule never runs.
    const { execa } = await import('execa');
    const result = await execa(this.command, [...this.userArgs, ...args], {
      reject: false,
      encoding: 'buffer',
      stripFinalNewline: false,
      // crontab's messages are matched above: keep them in English.
      env: { LC_ALL: 'C' },
      timeout: CRONTAB_TIMEOUT_MS,
      ...(input === undefined ? { stdin: 'ignore' as const } : { input: Buffer.from(input, 'latin1') }),
    });
    return {
      exitCode: result.exitCode,
      stdout: Buffer.from(result.stdout ?? new Uint8Array()).toString('latin1'),
      stderr: Buffer.from(result.stderr ?? new Uint8Array()).toString('utf8'),
      message: result.shortMessage ?? '',
    };
  }

  private failure(args: string[], result: { exitCode: number | undefined; stderr: string; message: string }): ScheduleError {
    const what = [this.command, ...this.userArgs, ...args].join(' ');
    const detail = result.stderr.trim() || result.message;
    return new ScheduleError('SCHEDULE_TARGET_FAILED', `${what} failed (exit ${result.exitCode ?? 'none'}): ${detail}`);
  }
}

/**
 * crontab(1) refuses text whose last line lacks a newline (cron would ignore that line anyway). Such text
 * can only come from a crontab installed without crontab(1); end it so it can be installed at all.
 */
function installable(text: string): string {
  return text.endsWith('\n') ? text : `${text}\n`;
}
