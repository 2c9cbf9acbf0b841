// Which nodes a backup server archives the WAL of: those with a walArchive whose archiving server
// (`walArchive.server`, else the node's backupServer) is this one. Pure.
import { walArchiveServerOf, type NodeSpec, type WalArchiveSpec } from '../model.js';
import type { ActualObject } from '../objects.js';

export type ArchivedNode = NodeSpec & { name: string; walArchive: WalArchiveSpec };

export function archivedNodesOfServer(objects: readonly ActualObject[], server: string): ArchivedNode[] {
  const out: ArchivedNode[] = [];
  for (const o of objects) {
    if (o.kind !== 'Node') continue;
    const spec = o.spec as NodeSpec;
    if (spec.walArchive && walArchiveServerOf(spec) === server) out.push({ ...spec, walArchive: spec.walArchive, name: o.name });
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
