// `--version` answers of PostgreSQL client binaries, remembered in a file across processes: a scheduled job
// is a new process every time, and spawning `pg_dump --version` before every dump costs more than the rest
// of choosing the tool. An answer is used only while the binary is the same file (the stamp: mtime, ctime,
// size and inode; an upgrade of the client package replaces the file), and remembering is best effort: a
// state directory the job user cannot write only means asking again. The file says which format it holds
// ({ formatVersion, binaries }); a file in another format (an older version's plain map, a newer version's)
// is ignored and rewritten, which costs one `--version` per binary: this cache can always be rebuilt.
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../fs/atomic-write.js';
import type { PgTool } from './tools.js';

export interface RememberedVersion {
  /** Identifies the file the answer came from (see tools.ts). */
  stamp: string;
  tool: PgTool;
}

type Entries = Record<string, RememberedVersion>;

/** Bumped whenever a reader of the old format would misread the new one. */
export const TOOL_VERSIONS_FORMAT_VERSION = 1;

export class ToolVersionFile {
  private entries: Promise<Entries> | null = null;

  constructor(private readonly path: string) {}

  async get(binary: string): Promise<RememberedVersion | undefined> {
    return (await this.load())[binary];
  }

  async remember(binary: string, version: RememberedVersion): Promise<void> {
    const entries = await this.load();
    entries[binary] = version;
    await writeFileAtomic(this.path, `${JSON.stringify({ formatVersion: TOOL_VERSIONS_FORMAT_VERSION, binaries: entries }, null, 2)}\n`, 0o600).catch(() => undefined);
  }

  private load(): Promise<Entries> {
    this.entries ??= readFile(this.path, 'utf8').then(parseEntries, () => ({}));
    return this.entries;
  }
}

/** Entries of a well-formed file of this format; anything else (another format, a hand edit, a truncated write) is ignored, not trusted. */
function parseEntries(text: string): Entries {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return {};
  }
  const entries: Entries = {};
  const file = parsed as { formatVersion?: unknown; binaries?: unknown } | null;
  if (typeof file !== 'object' || file === null || file.formatVersion !== TOOL_VERSIONS_FORMAT_VERSION) return entries;
  if (typeof file.binaries !== 'object' || file.binaries === null) return entries;
  for (const [binary, value] of Object.entries(file.binaries)) {
    const v = value as Partial<RememberedVersion> | null;
    const tool = v?.tool;
    if (typeof v?.stamp === 'string' && tool && tool.path === binary && typeof tool.major === 'number' && typeof tool.version === 'string') {
      entries[binary] = { stamp: v.stamp, tool: { path: tool.path, major: tool.major, version: tool.version } };
    }
  }
  return entries;
}
