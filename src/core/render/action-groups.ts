// A huge plan (a first apply of 100,000 definitions, a team's mass change) is read as groups: one per
// (operation, kind, backup server), in the order the plan lists its actions, each with its count. The text
// lists the first few of each group; `--full` lists all, and the JSON always has every action.
import type { ObjectAction } from '../plan/types.js';
import { referencesOf } from '../references.js';

/** What places a node: any object list (the configuration, a catalog snapshot). */
export type PlacedObject = { kind: ObjectAction['kind']; name: string; spec: unknown };

/** More actions than this (catalog and schedule together) and the text shows groups. */
export const GROUPED_PLAN_THRESHOLD = 300;
/** How many actions of each group the grouped text lists. */
export const LISTED_PER_GROUP = 10;

export interface ActionGroup {
  /** `create`, `update`, `delete`, or `blocked` (whatever the operation: those await a decision). */
  op: ObjectAction['op'] | 'blocked';
  kind: ObjectAction['kind'];
  /** The backup server the objects belong to; null for those of no server (retentions). */
  server: string | null;
  actions: ObjectAction[];
}

/**
 * The node -> backup server map that places actions: from the Node specs in the actions themselves (a node
 * created or moved is placed where it goes, a deleted one where it was), else from `objects` (the
 * configuration). Linear in both.
 */
export function nodeServers(actions: readonly ObjectAction[], objects: readonly PlacedObject[] = []): Map<string, string> {
  const out = new Map<string, string>();
  for (const o of objects) if (o.kind === 'Node') out.set(o.name, serverOf('Node', o.name, o.spec, out) ?? '');
  for (const a of actions) {
    if (a.kind !== 'Node') continue;
    const server = serverOf('Node', a.name, a.after ?? a.before, out);
    if (server) out.set(a.name, server);
  }
  return out;
}

export function groupActions(actions: readonly ObjectAction[], servers: ReadonlyMap<string, string>): ActionGroup[] {
  const groups = new Map<string, ActionGroup>();
  for (const a of actions) {
    const op = a.blocked ? 'blocked' : a.op;
    const server = serverOf(a.kind, a.name, a.after ?? a.before, servers) ?? null;
    const key = `${op}\u0000${a.kind}\u0000${server ?? ''}`;
    const group = groups.get(key);
    if (group) group.actions.push(a);
    else groups.set(key, { op, kind: a.kind, server, actions: [a] });
  }
  return [...groups.values()];
}

function serverOf(kind: ObjectAction['kind'], name: string, spec: unknown, servers: ReadonlyMap<string, string>): string | undefined {
  if (kind === 'BackupServer') return name;
  if (spec === undefined || spec === null) return undefined;
  for (const ref of referencesOf(kind, spec)) {
    if (ref.kind === 'BackupServer') return ref.name;
    if (ref.kind === 'Node') return servers.get(ref.name) || undefined;
  }
  return undefined;
}
