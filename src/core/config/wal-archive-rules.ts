// Rules across Nodes for their WAL archives: two archives streaming from one PostgreSQL cluster through the same
// slot would take turns holding it (a physical slot serves one walsender at a time), and each archive would miss
// the WAL the other received. A node is recognised as the same cluster by its connection service, or by host
// and port; nodes written differently for one cluster (an IP and a host name) cannot be told apart here.
import { finding } from './findings.js';
import { isKind, type CheckedDocument, type NodeInput } from './input.js';
import { samePlace, type DocFinding } from './config-rules.js';

/** The first Node archiving through each cluster and slot (file order). */
export type WalArchiveFirsts = ReadonlyMap<string, CheckedDocument<'Node'>>;

export function walArchiveFirstsOf(checked: readonly CheckedDocument[]): WalArchiveFirsts {
  const first = new Map<string, CheckedDocument<'Node'>>();
  for (const d of checked) {
    const key = isKind(d, 'Node') ? archiveKey(d.spec as NodeInput) : null;
    if (key !== null && !first.has(key)) first.set(key, d as CheckedDocument<'Node'>);
  }
  return first;
}

/** `checked` may be some of the documents when `first` is of them all. */
export function walArchiveFindings(checked: readonly CheckedDocument[], first: WalArchiveFirsts = walArchiveFirstsOf(checked)): DocFinding[] {
  const out: DocFinding[] = [];
  for (const d of checked) {
    if (!isKind(d, 'Node')) continue;
    const spec = d.spec as NodeInput;
    const key = archiveKey(spec);
    if (key === null) continue;
    const earlier = first.get(key)!;
    if (earlier === d || samePlace(earlier, d)) continue;
    out.push({
      doc: d.doc,
      finding: finding(
        'E_WAL_SLOT_DUPLICATE',
        ['spec', 'walArchive', 'slot'],
        `Node "${earlier.name}" (${earlier.source.file}:${earlier.source.line}) already archives this PostgreSQL server through slot "${spec.walArchive!.slot}"; ` +
          'a slot serves one receiver at a time: give each archive its own slot, or archive the server from one Node',
      ),
    });
  }
  return out;
}

function archiveKey(spec: NodeInput): string | null {
  return spec.walArchive ? `${clusterKey(spec)}\u0000${spec.walArchive.slot}` : null;
}

function clusterKey(spec: NodeInput): string {
  if (spec.service !== undefined) return `service=${spec.service}`;
  return `host=${spec.host ?? ''} port=${spec.port ?? 5432}`;
}
