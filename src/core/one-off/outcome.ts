// The status a one-off job records from what it did: a Snapshot from its backup runs, a Restore from its
// restore run. Pure, so that the executor and the sweep of dead executors say the same thing.
import type { RunRecord } from '../runs/run-record.js';
import { formatBytes } from '../reports/format.js';

export interface OneOffResult {
  state: 'succeeded' | 'failed';
  message: string;
  result: Record<string, unknown>;
}

type RunSummary = Pick<RunRecord, 'id' | 'database' | 'status' | 'bytes' | 'failureReason' | 'failureDetail'>;

/** A snapshot succeeded when it took at least one backup and every database it tried succeeded. */
export function snapshotResult(runs: readonly RunSummary[]): OneOffResult {
  const result = { runs: runs.map((r) => r.id) };
  const label = (r: RunSummary) => r.database ?? '(cluster)';
  const failed = runs.filter((r) => r.status !== 'succeeded');
  if (runs.length === 0) return { state: 'failed', message: 'no database to back up (the node has none matching)', result };
  if (failed.length > 0) {
    const first = failed[0]!;
    const why = [first.status, first.failureReason, first.failureDetail].filter(Boolean).join(': ');
    return {
      state: 'failed',
      message: `${failed.length} of ${runs.length} backup(s) did not succeed; ${label(first)}: ${why}`,
      result,
    };
  }
  const bytes = runs.reduce((sum, r) => sum + (r.bytes ?? 0), 0);
  return { state: 'succeeded', message: `${runs.length} backup(s) taken (${runs.map(label).join(', ')}), ${formatBytes(bytes)}`, result };
}

/** What both a restore record and a restore history row tell. */
export interface RestoreSummary {
  id: string;
  status: string;
  failureReason: string | null;
  /** null: a restore into a directory (targetDir). */
  targetNode: string | null;
  targetDir?: string | null;
  targetDatabase: string | null;
  backupRunId: string | null;
  renamedExistingTo: string | null;
}

export function restoreResult(restore: RestoreSummary): OneOffResult {
  const result = { restore: restore.id, backup: restore.backupRunId };
  const target = restore.targetNode === null
    ? `directory ${restore.targetDir ?? '(unknown)'}`
    : `${restore.targetNode}${restore.targetDatabase ? `/${restore.targetDatabase}` : ''}`;
  if (restore.status === 'succeeded') {
    const renamed = restore.renamedExistingTo ? `; the existing database was renamed to ${restore.renamedExistingTo}` : '';
    return { state: 'succeeded', message: `restored backup ${restore.backupRunId} into ${target}${renamed}`, result };
  }
  return { state: 'failed', message: `restore into ${target} failed: ${restore.failureReason ?? restore.status}`, result };
}
