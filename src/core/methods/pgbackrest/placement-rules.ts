// The pgbackrest method's rules across documents: its Backups and Snapshots need a Node with a stanza, a diff
// or incr needs a full Backup of the same node, and one backup server's stanzas have distinct names (they are
// sections of one pgBackRest configuration file).
import { finding } from '../../config/findings.js';
import { isKind, type BackupInput, type CheckedDocument, type DumpInput, type NodeInput } from '../../config/input.js';
import type { DocFinding } from '../../config/config-rules.js';

export function pgbackrestPlacementFindings(checked: readonly CheckedDocument[]): DocFinding[] {
  const out: DocFinding[] = [];
  const nodes = new Map<string, CheckedDocument<'Node'>>();
  for (const d of checked) if (isKind(d, 'Node') && !nodes.has(d.name)) nodes.set(d.name, d);

  const fullsOn = new Set<string>();
  for (const d of checked) {
    if (isKind(d, 'Backup') && d.spec.method === 'pgbackrest' && (d.spec.backupType ?? 'full') === 'full') fullsOn.add(d.spec.node);
  }
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

  const stanzas = new Map<string, string>();
  for (const [name, d] of nodes) {
    const spec = d.spec as NodeInput;
    if (!spec.pgbackrest) continue;
    const key = `${spec.backupServer}\u0000${spec.pgbackrest.stanza ?? name}`;
    const first = stanzas.get(key);
    if (first === undefined) stanzas.set(key, name);
    else out.push({ doc: d.doc, finding: finding('E_PGBACKREST_STANZA_DUPLICATE', ['spec', 'pgbackrest', 'stanza'], `stanza ${spec.pgbackrest.stanza ?? name} of backup server ${spec.backupServer} is already node ${first}'s: give each node its own stanza`, spec.pgbackrest.stanza === undefined ? 'parent' : 'value') });
  }
  return out;
}
