// One restore run as recorded in the catalog (pgbackops.restore_runs), or in the local spool while the
// catalog is down. A trial restore (`verify --restore`) is recorded the same way with purpose 'trial'.
import type { BackupType, DumpFormat } from '../model.js';

export type RestoreStatus = 'running' | 'succeeded' | 'failed';
export type RestorePurpose = 'restore' | 'trial';

export interface RestoreRecord {
  id: string;
  purpose: RestorePurpose;
  /** The backup run restored from. */
  backupRunId: string;
  definition: string;
  /** null for a cluster dump. */
  sourceDatabase: string | null;
  backupType: BackupType | null;
  format: DumpFormat | null;
  /** null for a restore into a directory (targetDir). */
  targetNode: string | null;
  /** null for a cluster dump (see createdDatabases). */
  targetDatabase: string | null;
  /** The name an existing database was renamed to (--rename-existing); null when nothing was renamed. */
  renamedExistingTo: string | null;
  status: RestoreStatus;
  startedAt: string;
  finishedAt: string | null;
  failureReason: string | null;
  log: string | null;
  pgRestoreVersion: string | null;
  serverVersion: string | null;
  createdRoles: string[];
  createdDatabases: string[];
  actor: string | null;
  /** "<host>:<pid>" of the process running it: how a sweep tells a restore whose process died. */
  executor?: string | null;
  /** The method of the backup restored; absent: logical. */
  method?: string;
  /** A physical method's restore: the directory restored into (absolute), and what recovery was asked to reach. */
  targetDir?: string | null;
  recoveryTarget?: string | null;
  /** What the method records besides the shared fields (the point reached, the port, the recovery time). */
  methodFacts?: Record<string, unknown> | null;
}
