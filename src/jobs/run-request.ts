// What a run of one definition is given, what it reports, and the record every run starts from.
import { randomUUID } from 'node:crypto';
import type { Logger } from '../adapters/logger.js';
import type { BackupServerSpec } from '../core/model.js';
import type { ClassifiedFailure } from '../core/dump/classify-failure.js';
import type { RunRecord } from '../core/runs/run-record.js';
import type { RunnableDefinition } from '../runtime/definition-cache.js';
import type { BackupMethod } from '../methods/method.js';
import type { NodeServerProbe } from './node-server-probe.js';
import type { RunRecorder } from './run-recorder.js';

export interface RunRequest {
  stateDir: string;
  server: string;
  serverSpec: BackupServerSpec;
  definition: RunnableDefinition;
  /** The definition's method (src/methods/registry.ts), which takes its backups. */
  method: BackupMethod;
  /** Only this database (must be one the definition covers, or any database for `databases: all`). */
  database?: string;
  recorder: RunRecorder;
  /** The node's server version, possibly asked already (see node-server-probe.ts); else asked per database. */
  nodeServer?: NodeServerProbe;
  logger: Logger;
  /** Called as work progresses (for a TTY progress line). */
  onProgress?: (event: RunProgress) => void;
  /** Aborted (reason: the signal's name) when the job is asked to stop: the dump in progress is stopped and recorded `interrupted`. */
  stop?: AbortSignal;
  now?: () => Date;
}

export type RunProgress =
  | { kind: 'start'; database: string | null }
  | { kind: 'bytes'; database: string | null; bytes: number }
  /** The expected size of this database's backup (see run-estimate.ts), after its start when it could be found. */
  | { kind: 'estimate'; database: string | null; bytes: number; source: 'previous-run' | 'database-size' }
  | { kind: 'done'; record: RunRecord };

export interface RunOutcome {
  records: RunRecord[];
  /** Where the records went. */
  recordedIn: 'catalog' | 'spool';
}

/** A fresh `running` record of this definition for one database (null: the cluster). */
export function baseRecord(request: RunRequest, database: string | null, startedAt: Date): RunRecord {
  const { definition: def } = request;
  return {
    id: randomUUID(),
    definition: def.name,
    node: def.node.name,
    backupServer: request.server,
    database,
    status: 'running',
    startedAt: startedAt.toISOString(),
    finishedAt: null,
    directory: null,
    bytes: null,
    files: null,
    serverVersion: null,
    failureReason: null,
    failureDetail: null,
    log: null,
    retention: def.retention,
    timezone: def.backup.timezone,
    encryption: def.backup.encryption ?? null,
    ...request.method.rules.runFacts(def.backup),
  } as RunRecord;
}

/** A `failed` record for one database whose dump never started (a step before it failed, or it vanished). */
export function failedRecord(request: RunRequest, database: string | null, failure: ClassifiedFailure, log: string): RunRecord {
  const at = request.now?.() ?? new Date();
  return {
    ...baseRecord(request, database, at),
    status: 'failed', finishedAt: at.toISOString(), failureReason: failure.reason, failureDetail: failure.detail, log,
  };
}
