// Writes an import's YAML tree into the output directory, owning only what it wrote: a manifest
// (.pgbackops-import.json, a dot-file the configuration reader skips) lists the files of the last import,
// so that running the import again replaces them and removes the ones it no longer produces, while any
// other file is never touched. A directory that holds files but no manifest is refused: an import never
// overwrites a configuration someone wrote by hand.
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { writeFileAtomic } from '../fs/atomic-write.js';
import type { YamlFile } from '../../core/import/yaml-tree.js';
import { PgbackopsError } from '../../core/errors.js';

export const IMPORT_MANIFEST = '.pgbackops-import.json';

export class ImportOutputError extends PgbackopsError {
  readonly code = 'E_IMPORT_OUTPUT';
}

export interface OutputPlan {
  /** Files written (or, in a dry run, that would be), with whether each is new, changed or unchanged. */
  files: Array<{ path: string; change: 'create' | 'update' | 'unchanged' }>;
  /** Files of the previous import that this one no longer produces: removed. */
  removed: string[];
}

/** What writing `files` into `dir` would do; throws ImportOutputError when the directory is not ours. */
export async function planOutput(dir: string, files: readonly YamlFile[]): Promise<OutputPlan> {
  const previous = await readManifest(dir);
  if (previous === null) {
    const present = await listFiles(dir);
    if (present.length > 0) {
      throw new ImportOutputError(`${dir} already holds files (${present.slice(0, 3).join(', ')}${present.length > 3 ? ', ...' : ''}) that no import wrote; choose an empty or new directory`);
    }
  }
  const out: OutputPlan = { files: [], removed: [] };
  for (const f of files) {
    const current = await readFile(join(dir, f.path), 'utf8').catch(() => null);
    out.files.push({ path: f.path, change: current === null ? 'create' : current === f.content ? 'unchanged' : 'update' });
  }
  const now = new Set(files.map((f) => f.path));
  out.removed = (previous ?? []).filter((p) => !now.has(p) && safeRelative(p)).sort();
  return out;
}

export async function writeOutput(dir: string, files: readonly YamlFile[], plan: OutputPlan): Promise<void> {
  for (const f of files) {
    if (plan.files.find((p) => p.path === f.path)?.change === 'unchanged') continue;
    // 0644: a configuration is meant for git and review; it holds no secret (the importer never writes one).
    await writeFileAtomic(join(dir, f.path), f.content, 0o644);
  }
  for (const p of plan.removed) await rm(join(dir, p), { force: true });
  await writeFileAtomic(join(dir, IMPORT_MANIFEST), `${JSON.stringify({ files: files.map((f) => f.path) }, null, 2)}\n`, 0o644);
}

async function readManifest(dir: string): Promise<string[] | null> {
  let text: string;
  try {
    text = await readFile(join(dir, IMPORT_MANIFEST), 'utf8');
  } catch {
    return null;
  }
  try {
    const files = (JSON.parse(text) as { files?: unknown }).files;
    if (Array.isArray(files) && files.every((f) => typeof f === 'string')) return files as string[];
  } catch {
    /* fall through */
  }
  throw new ImportOutputError(`${join(dir, IMPORT_MANIFEST)} is not an import manifest; remove it or choose another directory`);
}

/** Every file below dir (relative, `/`-separated), dot-files included; [] when dir does not exist. */
async function listFiles(dir: string): Promise<string[]> {
  const exists = await stat(dir).then((s) => s.isDirectory(), () => false);
  if (!exists) return [];
  const out: string[] = [];
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() && !entry.isSymbolicLink()) continue;
    out.push(relative(dir, join(entry.parentPath, entry.name)).split(sep).join('/'));
  }
  return out.sort();
}

/** A manifest entry is only ever a path inside the directory. */
function safeRelative(p: string): boolean {
  return p !== '' && !p.startsWith('/') && !p.split('/').includes('..');
}
