// What a restore will do, decided before anything is touched, from facts gathered about the backup and the
// target (src/methods/logical/restore.ts gathers them): the logical method's restore plan. Pure; the clock is passed in.
//
// Rules (docs/restore.md):
// - The target server's major version must be >= the backup's source server major.
// - The target database must not exist. With renameExisting the existing one is renamed out of the way to
//   `<name>_<YYYYMMDDHHMMSS>` (UTC): never dropped.
// - Roles the backup needs that exist on the target are reused only with roles: 'reuse', and never altered;
//   otherwise the restore is refused with their list. The source's bootstrap superuser maps to a target role
//   of the same name that is the target's own bootstrap superuser: every cluster has one, nothing to decide.
// - The backup's files must match the checksums of its manifest.
// Any refusal means nothing at all is done.
import type { BackupType, DumpFormat } from '../model.js';
import type { RoleDetails } from '../dump/globals.js';
import { orderRolesByMembership } from '../dump/render-roles-sql.js';
import { encryptedName } from '../encryption/age-command.js';

export type RolesMode = 'create' | 'reuse';

export interface RestoreOptions {
  /** Restore under this name (database backups only); default: the source name. */
  targetDatabase?: string;
  renameExisting: boolean;
  roles: RolesMode;
  /** Parallel jobs for pg_restore (custom and directory archives). */
  jobs: number;
}

export interface BackupFacts {
  runId: string;
  definition: string;
  node: string;
  /** null: a cluster dump. */
  database: string | null;
  backupType: BackupType;
  format: DumpFormat;
  serverVersion: string;
  startedAt: string;
  directory: string;
  /** Roles a database backup needs (globals.json); for a cluster dump, the roles its script creates. */
  roles: Array<Pick<RoleDetails, 'name' | 'bootstrap' | 'memberOf'>>;
  /** Databases a cluster dump creates; empty for a database backup. */
  clusterDatabases: string[];
  /** Tablespaces the database is created in (its default tablespace, when not the cluster's). */
  tablespaces: string[];
  /** Problems found verifying the manifest checksums (empty: all files match). */
  checksumProblems: string[];
  filesChecked: number;
  /**
   * The dump's file as recorded, where its kind does not say it: a cluster dump's name says how it is
   * compressed (dump.sql.gz, ...: stream-compression.ts). Absent: the name its kind implies (dumpFileOf).
   */
  dumpFile?: string;
  /**
   * Its files are encrypted with age (docs/encryption.md): they are decrypted as they stream into the tool
   * that loads them, so an archive is read through a pipe, by one pg_restore job.
   */
  encrypted?: boolean;
}

export interface TargetFacts {
  node: string;
  /** null when the node could not be reached (then `error` says why). */
  serverVersion: string | null;
  error?: string;
  databases: string[];
  tablespaces: string[];
  /** Existing roles; `bootstrap` marks the target's own bootstrap superuser. */
  roles: Array<{ name: string; bootstrap: boolean }>;
  /** The client tool that would load the dump, or why none fits. */
  tool: { path: string; version: string } | { error: string };
}

export interface PlanCheck {
  what: string;
  ok: boolean;
  detail: string;
}

export interface RestorePlan {
  backup: BackupFacts;
  targetNode: string;
  /** null for a cluster dump. */
  targetDatabase: string | null;
  checks: PlanCheck[];
  /** Why the restore cannot go ahead; empty when it can. */
  refusals: string[];
  renames: Array<{ from: string; to: string }>;
  /** In creation order (each after the roles it is a member of). */
  rolesToCreate: string[];
  rolesReused: string[];
  /** The source's bootstrap superuser, when the target has its own of the same name. */
  bootstrapMapped: string | null;
  databasesToCreate: string[];
  load: { tool: 'pg_restore' | 'psql'; jobs: number; file: string };
}

const MAX_IDENTIFIER_BYTES = 63;

export function planRestore(backup: BackupFacts, target: TargetFacts, options: RestoreOptions, now: Date): RestorePlan {
  const checks: PlanCheck[] = [];
  const refusals: string[] = [];
  const check = (what: string, ok: boolean, detail: string) => {
    checks.push({ what, ok, detail });
    if (!ok) refusals.push(`${what}: ${detail}`);
  };
  const cluster = backup.database === null;

  check('checksums', backup.checksumProblems.length === 0,
    backup.checksumProblems.length === 0 ? `${backup.filesChecked} file(s) match the manifest` : backup.checksumProblems.join('; '));

  if (target.serverVersion === null) {
    check('target node', false, `${target.node} is not reachable: ${target.error ?? 'unknown error'}`);
  } else {
    const source = majorOf(backup.serverVersion);
    const dest = majorOf(target.serverVersion);
    check('server version', dest >= source,
      dest >= source ? `target ${target.serverVersion} >= source ${backup.serverVersion}` : `target ${target.serverVersion} is older than the source ${backup.serverVersion}`);
  }
  if ('error' in target.tool) check('client tool', false, target.tool.error);
  else checks.push({ what: 'client tool', ok: true, detail: `${target.tool.path} (${target.tool.version})` });

  const missingTablespaces = target.serverVersion === null ? [] : backup.tablespaces.filter((t) => !target.tablespaces.includes(t));
  if (missingTablespaces.length > 0) {
    check('tablespaces', false, `missing on ${target.node}: ${missingTablespaces.map((t) => JSON.stringify(t)).join(', ')} (create them first)`);
  }

  if (backup.backupType === 'data') {
    // The target database must be new, and a new database has no tables for the data to go into.
    check('backup type', false, 'a data-only backup has no schema to create the tables from: restore it with pg_restore --data-only into a database that has the schema');
  }

  if (cluster && options.targetDatabase !== undefined) {
    check('database name', false, 'a cluster dump restores every database under its own name: --database does not apply');
  }

  // Databases.
  const existing = new Set(target.databases);
  const targetDatabase = cluster ? null : (options.targetDatabase ?? backup.database!);
  const wanted = cluster ? backup.clusterDatabases : [targetDatabase!];
  const renames: Array<{ from: string; to: string }> = [];
  for (const name of wanted) {
    if (Buffer.byteLength(name) > MAX_IDENTIFIER_BYTES) {
      check('database name', false, `${JSON.stringify(name)} is longer than ${MAX_IDENTIFIER_BYTES} bytes`);
      continue;
    }
    if (!existing.has(name)) continue;
    if (!options.renameExisting) {
      check('target database', false, `database ${JSON.stringify(name)} already exists on ${target.node} (use --rename-existing to rename it out of the way; it is never dropped)`);
      continue;
    }
    const to = renamedName(name, now);
    if (Buffer.byteLength(to) > MAX_IDENTIFIER_BYTES) check('rename', false, `${JSON.stringify(to)} would be longer than ${MAX_IDENTIFIER_BYTES} bytes`);
    else if (existing.has(to)) check('rename', false, `database ${JSON.stringify(to)} already exists`);
    else renames.push({ from: name, to });
  }
  if (wanted.length > 0 && renames.length === 0 && !refusals.some((r) => r.startsWith('target database'))) {
    const names = wanted.map((w) => JSON.stringify(w));
    checks.push({ what: 'target database', ok: true, detail: names.length === 1 ? `${names[0]} does not exist yet` : `none of ${names.join(', ')} exists yet` });
  } else if (renames.length > 0) {
    checks.push({ what: 'target database', ok: true, detail: renames.map((r) => `${JSON.stringify(r.from)} exists: renamed to ${JSON.stringify(r.to)} first`).join('; ') });
  }

  // Roles.
  const targetRoles = new Map(target.roles.map((r) => [r.name, r]));
  const rolesToCreate: string[] = [];
  const rolesReused: string[] = [];
  const conflicts: string[] = [];
  let bootstrapMapped: string | null = null;
  for (const role of orderRolesByMembership(backup.roles.map(asRoleDetails))) {
    const there = targetRoles.get(role.name);
    if (!there) {
      rolesToCreate.push(role.name);
    } else if (there.bootstrap && (role.bootstrap || cluster)) {
      bootstrapMapped = role.name;
    } else if (options.roles === 'reuse') {
      rolesReused.push(role.name);
    } else {
      conflicts.push(role.name);
    }
  }
  if (conflicts.length > 0) {
    check('roles', false, `role(s) already on ${target.node}: ${conflicts.map((r) => JSON.stringify(r)).join(', ')} (use --roles reuse to use them as they are; they are never altered)`);
  } else {
    checks.push({ what: 'roles', ok: true, detail: `${rolesToCreate.length} to create, ${rolesReused.length} reused${bootstrapMapped !== null ? `, bootstrap superuser ${JSON.stringify(bootstrapMapped)} is the target's own` : ''}` });
  }

  const file = backup.encrypted ? encryptedName(dumpFileOf(backup)) : dumpFileOf(backup);
  const archive = !cluster && backup.format !== 'plain';
  // pg_restore runs parallel jobs only from a seekable file; decrypting into one would put the plaintext on
  // disk, so an encrypted archive streams into one pg_restore job.
  const jobs = archive ? (backup.encrypted ? 1 : Math.max(1, options.jobs)) : 1;
  if (backup.encrypted) {
    checks.push({
      what: 'encryption', ok: true,
      detail: `age: each file is decrypted with the identity as it streams into ${archive ? 'pg_restore' : 'psql'}, never onto disk${archive && options.jobs > 1 ? `; --jobs ${options.jobs} is not used (parallel pg_restore needs a seekable plaintext file): one job` : ''}`,
    });
  }
  return {
    backup,
    targetNode: target.node,
    targetDatabase,
    checks,
    refusals,
    renames,
    rolesToCreate,
    rolesReused,
    bootstrapMapped,
    databasesToCreate: cluster ? backup.clusterDatabases : [targetDatabase!],
    load: { tool: archive ? 'pg_restore' : 'psql', jobs, file },
  };
}

/** `<name>_<YYYYMMDDHHMMSS>` in UTC. */
export function renamedName(name: string, now: Date): string {
  return `${name}_${now.toISOString().replace(/[-:T]/g, '').slice(0, 14)}`;
}

/** The dump file of a logical backup's directory: where pg_dump writes it, and what restore and verify read. */
export function dumpFileOf(backup: Pick<BackupFacts, 'database' | 'backupType' | 'format' | 'dumpFile'>): string {
  if (backup.dumpFile !== undefined) return backup.dumpFile;
  if (backup.database === null || backup.backupType === 'cluster' || backup.format === 'plain') return 'dump.sql';
  return backup.format === 'directory' ? 'dump' : 'dump.pgdump';
}

/** "15.13" -> 15; "9.6.24" -> 9.6; "16beta1" -> 16. */
export function majorOf(version: string): number {
  const m = /^(\d+)(?:\.(\d+))?/.exec(version);
  if (!m) return 0;
  const first = Number(m[1]);
  return first >= 10 ? first : Number(`${first}.${m[2] ?? 0}`);
}

function asRoleDetails(r: Pick<RoleDetails, 'name' | 'bootstrap' | 'memberOf'>): RoleDetails {
  // orderRolesByMembership reads only name and memberOf.
  return r as RoleDetails;
}
