// Which objects an object's spec points at. The one place that knows the reference fields,
// used to order and block deletions and to find a server's definitions.
import type { BackupSpec, Kind, NodeSpec } from './model.js';

export interface ObjectRef {
  kind: Kind;
  name: string;
}

export function referencesOf(kind: Kind, spec: unknown): ObjectRef[] {
  switch (kind) {
    case 'Node':
      return [{ kind: 'BackupServer', name: (spec as NodeSpec).backupServer }];
    case 'Backup': {
      const b = spec as BackupSpec;
      const refs: ObjectRef[] = [{ kind: 'Node', name: b.node }];
      if (typeof b.retention === 'string') refs.push({ kind: 'Retention', name: b.retention });
      return refs;
    }
    default:
      return [];
  }
}
