// The pgbackrest method's rules across documents: its Backups and Snapshots need a Node with a stanza, a diff
// or incr needs a full Backup of the same node, and one backup server's stanzas have distinct names (they are
// sections of one pgBackRest configuration file).
import { finding } from '../../config/findings.js';
import { isKind, type BackupInput, type CheckedDocument, type DumpInput, type NodeInput } from '../../config/input.js';
import { samePlace, type DocFinding } from '../../config/config-rules.js';

/** What the rules need of every document: the Nodes (the first of each name), the nodes with a full, the stanzas. */
export interface PgbackrestPlacement {
  nodes: ReadonlyMap<string, CheckedDocument<'Node'>>;
  fullsOn: ReadonlySet<string>;
  /** Backup server and stanza -> the name of the first node (in file order) that declares it. */
  stanzas: ReadonlyMap<string, string>;
}

export function pgbackrestPlacementOf(checked: readonly CheckedDocument[]): PgbackrestPlacement {
  const nodes = new Map<string, CheckedDocument<'Node'>>();
  for (const d of checked) if (isKind(d, 'Node') && !nodes.has(d.name)) nodes.set(d.name, d);
  const fullsOn = new Set<string>();
  for (const d of checked) {
    if (isKind(d, 'Backup') && d.spec.method === 'pgbackrest' && (d.spec.backupType ?? 'full') === 'full') fullsOn.add(d.spec.node);
  }
  const stanzas = new Map<string, string>();
  for (const [name, d] of nodes) {
    const key = stanzaKey(name, d.spec as NodeInput);
    if (key !== null && !stanzas.has(key)) stanzas.set(key, name);
  }
  return { nodes, fullsOn, stanzas };
}

/** `checked` may be some of the documents when `placement` is of them all. */
export function pgbackrestPlacementFindings(checked: readonly CheckedDocument[], placement: PgbackrestPlacement = pgbackrestPlacementOf(checked)): DocFinding[] {
  const out: DocFinding[] = [];
  const { nodes, fullsOn, stanzas } = placement;
  for (const d of checked) {
    if (!isKind(d, 'Backup') && !isKind(d, 'Snapshot')) continue;
    const spec = d.spec as DumpInput;
    if (spec.method !== 'pgbackrest') continue;
    const node = nodes.get(spec.node);
    if (node && !node.spec.pgbackrest) {
      out.push({ doc: d.doc, finding: finding('E_PGBACKREST_NODE', ['spec', 'method'], `method: pgbackrest needs the Node ${spec.node} to declare its stanza (pgbackrest: { pgPath: <its data directory> }); it has no pgbackrest settings`) });
    }
    const type = spec.backupType ?? 'full';
    if (isKind(d, 'Backup') && type !== 'full' && !fullsOn.has(spec.node)) {
      out.push({ doc: d.doc, finding: finding('E_PGBACKREST_NO_FULL', ['spec', 'backupType'], `backupType: ${type} is taken against a full backup, and no Backup takes a pgbackrest full of node ${(d.spec as BackupInput).node}: add one (e.g. weekly full, daily diff, hourly incr)`) });
    }
  }
  // Each Node that is the first of its name, in file order (the order of `nodes`).
  for (const d of checked) {
    if (!isKind(d, 'Node')) continue;
    const named = nodes.get(d.name);
    if (!named || !(named === d || samePlace(named, d))) continue;
    const spec = d.spec as NodeInput;
    const key = stanzaKey(d.name, spec);
    if (key === null) continue;
    const first = stanzas.get(key)!;
    if (first !== d.name) out.push({ doc: d.doc, finding: finding('E_PGBACKREST_STANZA_DUPLICATE', ['spec', 'pgbackrest', 'stanza'], `stanza ${spec.pgbackrest!.stanza ?? d.name} of backup server ${spec.backupServer} is already node ${first}'s: give each node its own stanza`, spec.pgbackrest!.stanza === undefined ? 'parent' : 'value') });
  }
  return out;
}

function stanzaKey(name: string, spec: NodeInput): string | null {
  return spec.pgbackrest ? `${spec.backupServer}\u0000${spec.pgbackrest.stanza ?? name}` : null;
}
