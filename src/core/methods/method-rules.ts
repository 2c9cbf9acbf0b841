// The pure half of a backup method (the I/O half is src/methods/method.ts): what the configuration loader,
// the planner and retention ask of a method, with no I/O. One value per method, looked up by name in
// registry.ts.
import type { Finding } from '../config/findings.js';
import type { DumpInput } from '../config/input.js';
import type { BackupMethodName, BasebackupOptions, DumpSpec, LogicalOptions, PgbackrestOptions } from '../model.js';
import type { MethodRunFacts } from '../runs/run-record.js';
import type { RetentionDependencies } from './retention-dependencies.js';

/** What the rules know of the backup server that will run a Backup or Snapshot, when it is known. */
export interface ServerFacts {
  /** Its pg_dump major version, as declared (`pgDumpVersion`). */
  pgDumpVersion?: number;
}

/** Something a method needs on a node and its backup server before it can take or restore a backup. */
export interface Prerequisite {
  name: string;
  /** What it is and why the method needs it. */
  description: string;
}

export interface MethodRules {
  readonly name: BackupMethodName;
  /** What it needs on a node (checked by its BackupMethod's `check`). */
  readonly prerequisites: readonly Prerequisite[];
  /**
   * The spec fields that belong to this method (its part of schemas/backup.schema.json, `definitions.<name>`).
   * Fields shared by every method (node, schedule, retention, timeout...) are not listed.
   */
  readonly fields: readonly string[];
  /** Problems in this method's fields of one Backup or Snapshot that passed its schema, with their paths. */
  specFindings(spec: DumpInput): Finding[];
  /**
   * Problems that need the backup server running it. `server` is undefined when it is unknown (a dangling
   * reference, reported on its own); `defaultPgDumpVersion` is what to assume when the server declares none.
   */
  serverFindings(spec: DumpInput, server: ServerFacts | undefined, defaultPgDumpVersion: number): Finding[];
  /**
   * Problems of a Backup or Snapshot whose backups are to be encrypted (docs/encryption.md), with `from` saying
   * whether the spec asks for it or inherits its server's default. Absent: the method cannot encrypt its
   * files, and encryption is refused for it.
   */
  encryptionFindings?(spec: DumpInput, from: 'spec' | 'server'): Finding[];
  /** This method's fields with their defaults, as the normalised spec (and its hash) holds them. */
  normaliseOptions(spec: DumpInput): LogicalOptions | BasebackupOptions | PgbackrestOptions;
  /** Whether a definition with this spec backs up `database` of its node (for `status`: databases without a definition). */
  covers(spec: DumpSpec, database: string): boolean;
  /** The method's own part of a new run record of a definition with this spec (its facts so far). */
  runFacts(spec: DumpSpec): MethodRunFacts;
  /** What retention may remove: which backups a kept backup needs. */
  readonly retention: RetentionDependencies;
  /**
   * Where its backups are restored: into a node's databases (a Restore's `toNode`), or as a whole cluster into
   * a directory recovered to a point in time (`toDir`). A Restore of the other kind is refused (E_RESTORE_METHOD).
   */
  readonly restoresInto: 'node' | 'directory';
}
