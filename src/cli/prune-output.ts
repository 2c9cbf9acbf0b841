// Output of `prune` and `maintain`: retention decisions as text or JSON, written in chunks while they are
// made. A pass over a million runs with --verbose-decisions or --json is hundreds of MB of output: built as
// one string it would take gigabytes of memory, or exceed what a JS string may hold.
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { decisionsOf, type RetentionDecision } from '../core/retention/decision-list.js';
import { isoTimestamp } from '../core/time/iso-timestamp.js';
import type { PruneOutcome } from '../jobs/prune.js';
import type { OffsiteMaintainOutcome } from '../jobs/offsite/maintain-offsite.js';
import { contractJson, jsonDocument } from '../core/render/json-contract.js';
import { markJsonPrinted, stdoutStyle } from './output.js';
import { VERSION } from '../runtime/version.js';

/** Expired decisions (kept ones too with `showKept`), warnings, then the counts. */
export async function writePruneText(prune: PruneOutcome, dryRun: boolean, showKept: boolean): Promise<void> {
  const style = stdoutStyle();
  const out = new ChunkedStdout();
  for (const d of decisionsOf(prune.groups, showKept ? 'all' : 'expiring')) {
    const line = `${d.definition} ${d.database ?? '(cluster)'} ${isoTimestamp(d.startedAt)} ${d.status} ${d.id}: ${d.reasons.join('; ')}`;
    out.write(`${d.keep ? style.add(`  keep    ${line}`) : style.remove(`  expire  ${line}`)}\n`);
    await out.drained();
  }
  for (const w of prune.warnings) out.write(`${style.warn(`  warning: ${w}`)}\n`);
  for (const a of prune.wal) {
    for (const name of a.removed) out.write(`${style.remove(`  ${dryRun ? 'would remove' : 'removed'} WAL ${a.node} ${name}`)}\n`);
    out.write(`  WAL archive of ${a.node}: ${a.removed.length} file(s) ${dryRun ? 'would be removed' : 'removed'}; ${a.note}\n`);
  }
  out.write(dryRun
    ? `  ${prune.kept} kept, ${prune.expiring} would expire (dry run)\n`
    : `  ${prune.kept} kept, ${prune.expired} expired\n`);
  await out.end();
}

/** A prune outcome as JSON: every decision, with ISO timestamps, for scripts. */
export function pruneJson(prune: PruneOutcome | null): PruneJson | null {
  return prune && new PruneJson(prune);
}

class PruneJson {
  constructor(readonly prune: PruneOutcome) {}
}

/**
 * Prints `value` as printJson does (the JSON contract: snake_case, format_version and pgbackops_version), each
 * PruneJson in it as `{ decisions, expired, kept, warnings }` with the decisions written one at a time.
 */
export async function printJsonWithDecisions(value: Record<string, unknown>): Promise<void> {
  markJsonPrinted();
  const prunes: PruneOutcome[] = [];
  // Each decision list is stringified as a placeholder that no data can contain, then written in its place.
  const placeholder = `pgbackops-decisions-${randomUUID()}`;
  const text = JSON.stringify(jsonDocument(value, VERSION), (_key, v: unknown) => {
    if (!(v instanceof PruneJson)) return v;
    prunes.push(v.prune);
    const { expired, kept, warnings, wal } = v.prune;
    return { decisions: `${placeholder}:${prunes.length - 1}`, expired, kept, warnings, wal_archives: wal };
  }, 2);
  const out = new ChunkedStdout();
  let written = 0;
  for (const match of text.matchAll(new RegExp(`"${placeholder}:(\\d+)"`, 'g'))) {
    out.write(text.slice(written, match.index));
    const indent = /^ */.exec(text.slice(text.lastIndexOf('\n', match.index) + 1))![0];
    await writeDecisionsJson(out, decisionsOf(prunes[Number(match[1])]!.groups), indent);
    written = match.index + match[0].length;
  }
  out.write(`${text.slice(written)}\n`);
  await out.end();
}

/** A JSON array of decisions as JSON.stringify(decisions, null, 2) would print it at `indent`. */
async function writeDecisionsJson(out: ChunkedStdout, decisions: Iterable<RetentionDecision>, indent: string): Promise<void> {
  const inner = `\n${indent}  `;
  let first = true;
  for (const d of decisions) {
    const json = JSON.stringify(contractJson({ ...d, startedAt: isoTimestamp(d.startedAt) }), null, 2).replaceAll('\n', inner);
    out.write(first ? `[${inner}${json}` : `,${inner}${json}`);
    first = false;
    await out.drained();
  }
  out.write(first ? '[]' : `\n${indent}]`);
}

/**
 * Collects output into chunks of about 1 MB per stdout write. Writing is synchronous; `drained` waits only
 * when stdout asked to (a slow pipe), so that output waiting to be written stays bounded.
 */
class ChunkedStdout {
  private parts: string[] = [];
  private size = 0;
  private blocked = false;

  write(text: string): void {
    this.parts.push(text);
    this.size += text.length;
    if (this.size >= 1 << 20) this.flush();
  }

  async drained(): Promise<void> {
    if (!this.blocked) return;
    this.blocked = false;
    await once(process.stdout, 'drain');
  }

  async end(): Promise<void> {
    this.flush();
    await this.drained();
  }

  private flush(): void {
    if (this.parts.length === 0) return;
    const chunk = this.parts.join('');
    this.parts = [];
    this.size = 0;
    if (!process.stdout.write(chunk)) this.blocked = true;
  }
}

/** The off-site part of a maintain or prune: copies made, then remote retention's decisions (expiring ones, or all). */
export function offsiteText(offsite: OffsiteMaintainOutcome, dryRun: boolean, showKept: boolean): string[] {
  const style = stdoutStyle();
  const lines: string[] = [];
  if (offsite.requested > 0) lines.push(`  off-site: ${offsite.requested} copy(ies) requested`);
  for (const c of offsite.copies) {
    lines.push(c.state === 'copied'
      ? style.add(`  copied  ${c.runId} to ${c.store} (verified by ${c.verifiedBy})`)
      : style.remove(`  failed  ${c.runId} to ${c.store}: ${c.reason} (retried later)`));
  }
  const prune = offsite.prune;
  for (const d of prune.decisions) {
    if (d.keep && !showKept) continue;
    const line = `${d.store}: ${d.definition} ${d.database ?? '(cluster)'} ${isoTimestamp(d.startedAt)} ${d.id}: ${d.reasons.join('; ')}`;
    lines.push(d.keep ? style.add(`  keep    ${line}`) : style.remove(`  expire  ${line}`));
  }
  for (const w of prune.warnings) lines.push(style.warn(`  warning: ${w}`));
  if (prune.groups.length > 0 || offsite.copies.length > 0) {
    lines.push(dryRun
      ? `  off-site: ${prune.kept} copy(ies) kept, ${prune.expiring} would expire (dry run)`
      : `  off-site: ${offsite.copies.filter((c) => c.state === 'copied').length} copied, ${offsite.copies.filter((c) => c.state === 'failed').length} failed; ${prune.kept} kept, ${prune.expired} expired`);
  }
  return lines;
}

/** The off-site part as JSON (every remote retention decision, with its store). */
export function offsiteJson(offsite: OffsiteMaintainOutcome | null): unknown {
  if (!offsite) return null;
  const { prune } = offsite;
  return {
    requested: offsite.requested,
    copies: offsite.copies,
    retention: {
      expiring: prune.expiring, expired: prune.expired, kept: prune.kept, warnings: prune.warnings,
      decisions: [...prune.decisions].map((d) => ({ ...d, startedAt: isoTimestamp(d.startedAt) })),
    },
  };
}
