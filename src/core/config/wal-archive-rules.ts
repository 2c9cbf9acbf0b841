// Rules across Nodes for their WAL archives: two archives streaming from one PostgreSQL cluster through the same
// slot would take turns holding it (a physical slot serves one walsender at a time), and each archive would miss
// the WAL the other received. A node is recognised as the same cluster by its connection service, or by host
// and port; nodes written differently for one cluster (an IP and a host name) cannot be told apart here.
import { finding } from './findings.js';
import { isKind, type CheckedDocument, type NodeInput } from './input.js';
import type { DocFinding } from './config-rules.js';

export function walArchiveFindings(checked: readonly CheckedDocument[]): DocFinding[] {
  const first = new Map<string, CheckedDocument<'Node'>>();
  const out: DocFinding[] = [];
  for (const d of checked) {
    if (!isKind(d, 'Node')) continue;
    const spec = d.spec as NodeInput;
    if (!spec.walArchive) continue;
    const key = `${clusterKey(spec)}\u0000${spec.walArchive.slot}`;
    const earlier = first.get(key);
    if (!earlier) {
      first.set(key, d);
      continue;
    }
    out.push({
      doc: d.doc,
      finding: finding(
        'E_WAL_SLOT_DUPLICATE',
        ['spec', 'walArchive', 'slot'],
        `Node "${earlier.name}" (${earlier.source.file}:${earlier.source.line}) already archives this PostgreSQL server through slot "${spec.walArchive.slot}"; ` +
          'a slot serves one receiver at a time: give each archive its own slot, or archive the server from one Node',
      ),
    });
  }
  return out;
}

function clusterKey(spec: NodeInput): string {
  if (spec.service !== undefined) return `service=${spec.service}`;
  return `host=${spec.host ?? ''} port=${spec.port ?? 5432}`;
}
