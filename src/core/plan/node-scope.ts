// What the RPO measures of a plan read about a set of nodes (core/rpo/coverage.ts, uncovered-databases.ts):
// each node's own object, the backup servers (whose rpo a node inherits) and the definitions of those nodes.
// A plan that touches one node of 10,000 hands them this instead of the whole catalog twice: the measures
// of those nodes come out the same, and the rest of the fleet is not walked again inside each of them.
import type { TypedObject } from '../objects.js';

export function objectsOfNodes<T extends TypedObject>(objects: readonly T[], nodes: ReadonlySet<string>): T[] {
  const out: T[] = [];
  for (const o of objects) {
    if (o.kind === 'BackupServer' || (o.kind === 'Node' && nodes.has(o.name))) out.push(o);
    else if (o.kind === 'Backup' && nodes.has((o.spec as { node: string }).node)) out.push(o);
  }
  return out;
}
