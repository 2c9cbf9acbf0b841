// The report an import prints: what it wrote (or would write), what it recorded, and every finding with its
// code (the format is shown in docs/migrating.md). Pure; styling is passed in.
import type { Style } from '../render/style.js';
import type { ImportDocument } from './documents.js';
import { sortFindings, type ImportFinding } from './findings.js';
import { KINDS } from '../model.js';

export interface ImportReport {
  source: string;
  outDir: string;
  dryRun: boolean;
  documents: readonly ImportDocument[];
  files: ReadonlyArray<{ path: string; change: 'create' | 'update' | 'unchanged' }>;
  removed: readonly string[];
  findings: readonly ImportFinding[];
  /** With --with-history: runs recorded (or, in a dry run, that would be). */
  history: { recorded: number; failed: number } | null;
  /** Lines telling what to do next. */
  next: readonly string[];
}

export function renderImportReport(r: ImportReport, style: Style): string {
  const counts = KINDS.map((k) => [k, r.documents.filter((d) => d.kind === k).length] as const).filter(([, n]) => n > 0);
  const lines = [`Imported from ${r.source}: ${counts.map(([k, n]) => `${n} ${k}`).join(', ') || 'nothing'}.`];
  lines.push('', r.dryRun ? `Would write to ${r.outDir} (dry run: nothing written):` : `Wrote ${r.outDir}:`);
  const mark = { create: style.add('+'), update: style.change('~'), unchanged: ' ' };
  for (const f of r.files) lines.push(`  ${mark[f.change]} ${f.path}${f.change === 'unchanged' ? style.dim(' (unchanged)') : ''}`);
  for (const p of r.removed) lines.push(`  ${style.remove('-')} ${p} ${style.dim('(no longer produced)')}`);
  if (r.history) {
    lines.push('', `${r.dryRun ? 'Would record' : 'Recorded'} ${r.history.recorded} backup(s) in the catalog (${r.history.failed} as failed).`);
  }
  const findings = sortFindings(r.findings);
  lines.push('', findings.length === 0 ? 'No approximations.' : `${findings.length} finding(s) (each code is explained in docs/migrating.md):`);
  for (const f of findings) lines.push(`  ${style.warn(f.code)}  ${f.object}`, `      -> ${f.chosen}`);
  if (r.next.length > 0) lines.push('', 'Next:', ...r.next.map((l) => `  ${l}`));
  return `${lines.join('\n')}\n`;
}

export function importReportJson(r: ImportReport): Record<string, unknown> {
  return {
    source: r.source,
    out_dir: r.outDir,
    dry_run: r.dryRun,
    objects: r.documents.map((d) => ({ kind: d.kind, name: d.name, file: d.file })),
    files: r.files,
    removed: r.removed,
    history: r.history,
    findings: sortFindings(r.findings),
  };
}
