// Which objects an object's spec points at. The one place that knows the reference fields,
// used to check them, to order and block deletions and to find a server's definitions.
import type { BackupServerSpec, BackupSpec, Kind, NodeSpec, OffsiteTarget, RestoreSpec, SnapshotSpec } from './model.js';

export interface ObjectRef {
  kind: Kind;
  name: string;
  /** Where the reference is written in the document. */
  path: readonly string[];
}

export function referencesOf(kind: Kind, spec: unknown): ObjectRef[] {
  switch (kind) {
    case 'BackupServer':
      return [...notifierRefs(spec as BackupServerSpec), ...offsiteRefs(spec as BackupServerSpec)];
    case 'Node': {
      const node = spec as NodeSpec;
      const refs: ObjectRef[] = [{ kind: 'BackupServer', name: node.backupServer, path: ['spec', 'backupServer'] }, ...notifierRefs(node)];
      // The archiving server is an object the node needs: it cannot be deleted while the node names it.
      if (node.walArchive?.server !== undefined) refs.push({ kind: 'BackupServer', name: node.walArchive.server, path: ['spec', 'walArchive', 'server'] });
      return refs;
    }
    case 'Backup': {
      const b = spec as BackupSpec;
      const refs: ObjectRef[] = [{ kind: 'Node', name: b.node, path: ['spec', 'node'] }];
      if (typeof b.retention === 'string') refs.push({ kind: 'Retention', name: b.retention, path: ['spec', 'retention'] });
      return [...refs, ...notifierRefs(b), ...offsiteRefs(b)];
    }
    case 'Snapshot':
      return [{ kind: 'Node', name: (spec as SnapshotSpec).node, path: ['spec', 'node'] }, ...offsiteRefs(spec as SnapshotSpec)];
    // from.latestOf is not a reference: the backups of a removed definition stay restorable.
    case 'Restore':
      // A restore into a directory (toDir) refers to no Node: the directory is on the backup's own server.
      return (spec as RestoreSpec).toNode === undefined ? [] : [{ kind: 'Node', name: (spec as RestoreSpec).toNode!, path: ['spec', 'toNode'] }];
    default:
      return [];
  }
}

function notifierRefs(spec: { notifiers?: readonly string[] }): ObjectRef[] {
  return (spec.notifiers ?? []).map((name, i) => ({ kind: 'Notifier', name, path: ['spec', 'notifiers', String(i)] }));
}

/** Each off-site entry names a store and the Retention that applies there. */
function offsiteRefs(spec: { offsite?: readonly OffsiteTarget[] }): ObjectRef[] {
  return (spec.offsite ?? []).flatMap((target, i): ObjectRef[] => [
    { kind: 'ObjectStore', name: target.store, path: ['spec', 'offsite', String(i), 'store'] },
    { kind: 'Retention', name: target.retention, path: ['spec', 'offsite', String(i), 'retention'] },
  ]);
}
