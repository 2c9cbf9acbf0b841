// The builtin scheduler's target: a JSON file <stateDir>/schedule/<server>.json that the daemon fires from.
// Written atomically (temp file + rename) so the daemon never reads half a file.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseBuiltinFile, renderBuiltinFile } from '../../core/schedule/builtin-file.js';
import type { ObservedSchedule, ScheduleEntry } from '../../core/schedule/entry.js';
import { absentSchedule } from '../../core/schedule/parse.js';
import { assertLineOptions, type LineOptions } from '../../core/schedule/render.js';
import { assertDefinitionName } from '../../core/schedule/safe-values.js';
import { writeFileAtomic } from '../fs/atomic-write.js';
import type { ScheduleTarget } from './target.js';

export function builtinSchedulePath(stateDir: string, serverName: string): string {
  return join(stateDir, 'schedule', `${serverName}.json`);
}

export class BuiltinTarget implements ScheduleTarget {
  readonly description: string;
  readonly lineOptions: LineOptions;
  private readonly file: string;

  constructor(
    private readonly serverName: string,
    opts: { binary: string; stateDir: string },
  ) {
    assertDefinitionName(serverName, 'server name');
    this.lineOptions = { binary: opts.binary, stateDir: opts.stateDir, server: serverName };
    assertLineOptions(this.lineOptions);
    this.file = builtinSchedulePath(opts.stateDir, serverName);
    this.description = `builtin schedule ${this.file}`;
  }

  async read(): Promise<ObservedSchedule> {
    const text = await this.readText();
    return text === null ? absentSchedule() : parseBuiltinFile(text, this.lineOptions);
  }

  async write(entries: ScheduleEntry[]): Promise<void> {
    const content = renderBuiltinFile(this.serverName, entries, this.lineOptions);
    if ((await this.readText()) === content) return;
    await writeFileAtomic(this.file, content, 0o600);
  }

  private async readText(): Promise<string | null> {
    try {
      return await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }
}
