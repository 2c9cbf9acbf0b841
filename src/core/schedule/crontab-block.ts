// The fenced block pgbackops owns inside a user's crontab, and splicing it in and out of the rest.
//
// Where the block goes: at the END of the crontab. Cron applies a NAME=value line to every job line below
// it, so our SHELL= and PATH= would change the environment of the user's own jobs if the block came first.
// At the end they reach nothing of the user's (their own settings above still reach our lines, but we set
// SHELL and PATH ourselves; MAILTO and the like stay the owner's choice). A block that already exists is
// replaced where it is, not moved: if the user put lines after it they already run with our SHELL/PATH,
// and silently changing that at some later apply would be worse. The block says so in a comment.
//
// Everything outside the block is kept byte for byte (CRLF, comments, blank lines, settings, a missing
// final newline), and removing the block gives back exactly the text it was added to. The one byte that
// needs care: if the text did not end with a newline, one is added before the block and a note inside the
// block records it, so that removing the block removes that newline too.
import { sha256Hex } from '../canonical.js';
import type { ObservedSchedule, ScheduleEntry } from './entry.js';
import { ScheduleError } from './errors.js';
import { absentSchedule, parseManagedLines } from './parse.js';
import { OVERLAP_NOTE, renderManagedLines, type CronTextOptions } from './render.js';

export const BLOCK_BEGIN = '# BEGIN pgbackops managed block: do not edit inside';
export const BLOCK_END = '# END pgbackops managed block';
const PLACEMENT_NOTE = '# SHELL and PATH below also apply to any line added after this block: keep your own lines above it.';
const ADDED_NEWLINE_NOTE = '# (pgbackops ended the line above this block with a newline; removing the block removes it)';
/** Anything that looks like one of our fences; if it is not exactly one, the block is corrupt. */
const FENCE_LIKE_RE = /^\s*#\s*(BEGIN|END)\s+pgbackops\s+managed\s+block/i;

export function renderCrontabBlock(entries: readonly ScheduleEntry[], opts: CronTextOptions): string {
  if (opts.user !== undefined) throw new Error('crontab lines have no user field: leave LineOptions.user unset');
  return [BLOCK_BEGIN, PLACEMENT_NOTE, OVERLAP_NOTE, ...renderManagedLines(entries, opts), BLOCK_END].join('\n') + '\n';
}

interface LocatedBlock {
  /** Offset of the BEGIN line. */
  start: number;
  /** Offset just after the END line (after its newline, if it has one). */
  end: number;
  /** Lines between the fences, as found. */
  inner: string[];
  /** The block carries the note that pgbackops added the newline before it. */
  addedNewline: boolean;
}

/** Finds our block; null when there is none; throws when the fences do not form exactly one block. */
function locateBlock(text: string): LocatedBlock | null {
  let found: LocatedBlock | null = null;
  let open: { start: number; line: number; inner: string[] } | null = null;
  let offset = 0;
  let lineNo = 0;
  while (offset < text.length) {
    lineNo++;
    const newline = text.indexOf('\n', offset);
    const next = newline === -1 ? text.length : newline + 1;
    const line = text.slice(offset, newline === -1 ? text.length : newline);
    // A crontab converted to CRLF must still be recognised, or we would append a second block.
    const fence = line.endsWith('\r') ? line.slice(0, -1) : line;
    if (fence === BLOCK_BEGIN) {
      if (open) corrupt(`a second BEGIN fence at line ${lineNo}, inside the block opened at line ${open.line}`);
      if (found) corrupt(`a second managed block starts at line ${lineNo}`);
      open = { start: offset, line: lineNo, inner: [] };
    } else if (fence === BLOCK_END) {
      if (!open) corrupt(`an END fence at line ${lineNo} without a BEGIN fence before it`);
      found = { start: open.start, end: next, inner: open.inner, addedNewline: open.inner[0] === ADDED_NEWLINE_NOTE };
      open = null;
    } else if (FENCE_LIKE_RE.test(fence)) {
      corrupt(`line ${lineNo} looks like a pgbackops fence but is not one: ${JSON.stringify(line)}`);
    } else if (open) {
      open.inner.push(line);
    }
    offset = next;
  }
  if (open) corrupt(`the BEGIN fence at line ${open.line} has no END fence`);
  return found;
}

function corrupt(detail: string): never {
  throw new ScheduleError(
    'SCHEDULE_CORRUPT_BLOCK',
    `the pgbackops block in the crontab is damaged (${detail}); fix it by hand with crontab -e, pgbackops will not guess`,
  );
}

/** Only what is inside the fence; lines outside are none of our business. */
export function parseCrontabBlock(text: string): ObservedSchedule {
  const block = locateBlock(text);
  if (!block) return absentSchedule();
  const parsed = parseManagedLines(block.inner);
  return {
    entries: parsed.entries,
    contentHash: sha256Hex(text.slice(block.start, block.end)),
    present: true,
    problems: parsed.problems,
  };
}

/**
 * Replaces our block in `existing` (where it is), appends it when there is none, or removes it when
 * `block` is null. `block` must come from renderCrontabBlock.
 */
export function spliceCrontab(existing: string, block: string | null): string {
  if (block !== null) {
    const own = locateBlock(block);
    if (!own || own.start !== 0 || own.end !== block.length || !block.endsWith('\n')) {
      throw new Error('spliceCrontab: block must be exactly one rendered pgbackops block');
    }
  }
  const found = locateBlock(existing);
  if (found) {
    const before = existing.slice(0, found.start);
    const after = existing.slice(found.end);
    if (block !== null) return before + (found.addedNewline ? withAddedNewlineNote(block) : block) + after;
    // The newline we added ends the user's last line; drop it only if that line is still the last one,
    // otherwise the user's lines around the block would be joined into one.
    if (found.addedNewline && after === '' && before.endsWith('\n')) return before.slice(0, -1);
    return before + after;
  }
  if (block === null) return existing;
  if (existing === '' || existing.endsWith('\n')) return existing + block;
  return `${existing}\n${withAddedNewlineNote(block)}`;
}

function withAddedNewlineNote(block: string): string {
  const firstLineEnd = block.indexOf('\n') + 1;
  return block.slice(0, firstLineEnd) + ADDED_NEWLINE_NOTE + '\n' + block.slice(firstLineEnd);
}
