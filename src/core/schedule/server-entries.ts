// What a backup server schedules: enabled definitions of running nodes assigned to it, and its own
// maintenance (`pgbackops maintain`, unless the server's maintenance is disabled). Stopped nodes and
// disabled definitions leave the schedule but stay in the catalog. A server that is not in `objects` (removed
// from the configuration) schedules nothing.
import type { BackupServerSpec, BackupSpec, NodeSpec } from '../model.js';
import { serverSpecOf, specMap, specsOfKind, type ActualObject } from '../objects.js';
import { resolveHashedSchedule } from '../cron/expression.js';
import { buildEntry, type LineOptions } from './render.js';
import { MAINTAIN_ENTRY, type ScheduleEntry } from './entry.js';

export interface ServerDefinition {
  name: string;
  backup: BackupSpec;
  node: NodeSpec & { name: string };
}

/**
 * Each object list's definitions by server, as computed last. A daemon's pass asks for them three times of two
 * lists (the catalog's objects as its last apply left them, which were that apply's projection, and this
 * plan's projection, again for the definition cache): each a walk of every object at 100,000 definitions.
 * Object lists are never changed once made (core/plan/project.ts makes a new one), and the result is only
 * read by its callers.
 */
const definitionsByList = new WeakMap<readonly ActualObject[], Map<string, readonly ServerDefinition[]>>();

/** Definitions assigned to `server` (through their node), whether or not they are scheduled; sorted by name. */
export function definitionsOfServer(objects: readonly ActualObject[], server: string): readonly ServerDefinition[] {
  let byServer = definitionsByList.get(objects);
  if (!byServer) definitionsByList.set(objects, (byServer = new Map()));
  let out = byServer.get(server);
  if (!out) byServer.set(server, (out = computeDefinitionsOfServer(objects, server)));
  return out;
}

function computeDefinitionsOfServer(objects: readonly ActualObject[], server: string): ServerDefinition[] {
  const nodes = specMap(objects, 'Node');
  const out: ServerDefinition[] = [];
  for (const { name, spec: backup } of specsOfKind(objects, 'Backup')) {
    const node = nodes.get(backup.node);
    if (node && node.backupServer === server) out.push({ name, backup, node: { ...node, name: backup.node } });
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export function isScheduled(def: ServerDefinition): boolean {
  return def.backup.enabled && def.node.status === 'running';
}

export function scheduleEntriesOfServer(objects: readonly ActualObject[], server: string, line: LineOptions): ScheduleEntry[] {
  return scheduleEntriesOf(definitionsOfServer(objects, server), serverSpecOf(objects, server), server, line);
}

/**
 * The entries of a server (from the catalog, or from its definition cache, which holds the same definitions
 * and server spec): its maintain line first, then its scheduled definitions.
 */
export function scheduleEntriesOf(
  definitions: readonly ServerDefinition[],
  spec: BackupServerSpec | null | undefined,
  server: string,
  line: LineOptions,
): ScheduleEntry[] {
  const backups = definitions
    .filter(isScheduled)
    .map((d) => buildEntry({ name: d.name, schedule: d.backup.resolvedSchedule, timezone: d.backup.timezone }, line));
  if (!spec?.maintenance?.enabled) return backups;
  // H is spread by the server name, so servers sharing a catalog do not all maintain at the same minute.
  const schedule = resolveHashedSchedule(spec.maintenance.schedule, server);
  const maintain = buildEntry({ name: MAINTAIN_ENTRY, schedule, timezone: spec.timezone }, { ...line, server });
  return [maintain, ...backups];
}
