// The restorable window of every node whose WAL archive is on this machine (docs/restore.md, "The restorable
// window"): the kept base backups from the catalog, the archive's newest end from its files
// (src/methods/basebackup/archive-head.ts), decided by src/core/wal/restorable-window.ts. Asked by `status`,
// the daemon's /status, /metrics and status page, and `status --html`, all on the backup server that holds
// the archive; elsewhere they show the window as that machine last recorded it in the catalog (migration 028,
// recordRestorableWindows below), marked with when and where it was computed.
import { stat } from 'node:fs/promises';
import type { Catalog, CatalogObject } from '../adapters/catalog/catalog.js';
import { basebackupFactsOf } from '../core/methods/basebackup/facts.js';
import type { BackupServerSpec, NodeSpec } from '../core/model.js';
import { hostname } from 'node:os';
import { recordedWindow, restorableWindow, verdictOfRecord, type KeptBaseBackup, type RecordedWindow, type WindowComputedBy, type WindowVerdict } from '../core/wal/restorable-window.js';
import { readArchive } from '../methods/basebackup/archive-head.js';
import { readTimelineHistories } from '../methods/basebackup/timeline-histories.js';
import { walArchiveDirectory } from '../methods/basebackup/wal-archive-layout.js';
import { backupRootOf } from '../runtime/job-user.js';

/** By node name: the nodes with a WAL archive enabled, and the nodes with base backups whose archive directory exists here. */
export async function readRestorableWindows(catalog: Catalog, objects: readonly CatalogObject[], stateDir: string): Promise<Map<string, WindowVerdict>> {
  const servers = new Map(objects.filter((o) => o.kind === 'BackupServer').map((o) => [o.name, o.spec as BackupServerSpec]));
  const nodes = objects.filter((o) => o.kind === 'Node').map((o) => ({ name: o.name, spec: o.spec as NodeSpec }));
  const kept = new Map<string, Awaited<ReturnType<Catalog['reports']['keptBaseBackups']>>>();
  for (const b of await catalog.reports.keptBaseBackups(nodes.map((n) => n.name))) {
    const list = kept.get(b.node);
    if (list) list.push(b);
    else kept.set(b.node, [b]);
  }
  const windows = new Map<string, WindowVerdict>();
  const elsewhere: Array<{ node: string; server: string; archiveDir: string }> = [];
  await Promise.all(nodes.map(async (node) => {
    const server = servers.get(node.spec.backupServer);
    if (!server) return;
    const backups = kept.get(node.name) ?? [];
    // A node of a large fleet with neither an archive nor a base backup costs nothing here.
    if (!node.spec.walArchive?.enabled && backups.length === 0) return;
    const archiveDir = walArchiveDirectory(backupRootOf(stateDir, server), node.name);
    const here = (await stat(archiveDir).catch(() => null))?.isDirectory() ?? false;
    if (!node.spec.walArchive?.enabled && !here) return;
    if (!here) {
      // No base backup yet: that is the answer anywhere (before the receiver first ran, the archive does not
      // exist on its own machine either); nothing recorded elsewhere could say more.
      if (backups.length === 0) {
        windows.set(node.name, restorableWindow([], null));
        return;
      }
      elsewhere.push({ node: node.name, server: node.spec.backupServer, archiveDir });
      return;
    }
    const facts = backups.flatMap((b) => {
      const f = basebackupFactsOf(b.methodFacts);
      return f ? [{ row: b, facts: f }] : [];
    });
    if (facts.length === 0) {
      windows.set(node.name, backups.length === 0
        ? restorableWindow([], null)
        : { window: null, problem: 'the kept base backups record no WAL range' });
      return;
    }
    const newest = facts.at(-1)!;
    const major = Number((newest.row.serverVersion ?? '0').split('.')[0]);
    try {
      const { head, summary } = await readArchive(archiveDir, { major, segmentSize: newest.facts.walSegmentSize, ...(server.pgBinDirs ? { pgBinDirs: server.pgBinDirs } : {}) });
      // Backups of older timelines reach the newest one through the archive's history files.
      const { histories } = await readTimelineHistories(archiveDir, summary);
      const keptBackups: KeptBaseBackup[] = facts.map(({ row, facts: f }) => ({ id: row.id, timeline: f.timeline, stopLsn: f.stopLsn, endTime: f.endTime }));
      windows.set(node.name, restorableWindow(keptBackups, head, { summary, histories }));
    } catch (err) {
      windows.set(node.name, { window: null, problem: `could not read the WAL archive ${archiveDir}: ${(err as Error).message}` });
    }
  }));
  // Archives on another machine: the window as that machine last recorded it, marked with its age.
  if (elsewhere.length > 0) {
    const recorded = new Map((await catalog.restorableWindows.list(elsewhere.map((e) => e.node)).catch(() => [])).map((r) => [r.node, r]));
    for (const e of elsewhere) {
      const record = recorded.get(e.node);
      windows.set(e.node, record ? verdictOfRecord(record) : {
        window: null,
        problem: `the WAL archive ${e.archiveDir} is not on this machine and no window was recorded from it yet: ask on backup server ${e.server} (its daemon, maintain or check records it)`,
      });
    }
  }
  return windows;
}

/**
 * Computes the windows of the archives on this machine and records them in the catalog, for the machines that
 * do not hold the archives (the daemon, maintain and check call it). Returns what was recorded.
 */
export async function recordRestorableWindows(catalog: Catalog, objects: readonly CatalogObject[], stateDir: string, by: WindowComputedBy): Promise<RecordedWindow[]> {
  const windows = await readRestorableWindows(catalog, objects, stateDir);
  const computed = { at: new Date().toISOString(), on: hostname(), by };
  const records = [...windows].filter(([, v]) => v.computed === undefined).map(([node, v]) => recordedWindow(node, v, computed));
  await catalog.restorableWindows.record(records);
  return records;
}
