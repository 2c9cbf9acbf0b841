// Builds small configuration directories for integration tests.
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * A fresh directory, 0711: started as root, commands that act for a backup server run as its job user
 * (postgres in these configurations), which must be able to enter it, as it must enter a real state directory.
 */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `pgbackops-${prefix}-`));
  chmodSync(dir, 0o711);
  return dir;
}

/**
 * `dir` (created 0755 on first use) owned by the job user (`uid`, `gid`: postgres in these configurations), so
 * that the commands run for a backup server can create directories in it, restores' targets for one.
 */
export function jobUserDir(dir: string, uid: number, gid: number): string {
  if (!existsSync(dir)) {
    mkdirSync(dir, { mode: 0o755 });
    chownSync(dir, uid, gid);
  }
  return dir;
}

export function writeConfig(dir: string, files: Record<string, string>): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
}

export interface BackupDoc {
  name: string;
  node?: string;
  schedule?: string;
  enabled?: boolean;
  databases?: string;
}

/** `backupRoot`: a test's own directory, so that runs can write there (relative: under the state directory). */
export function serverDoc(name: string, cronFile: string, backupRoot = '/srv/pgbackops'): string {
  return `apiVersion: pgbackops/v1
kind: BackupServer
metadata: { name: ${name} }
spec:
  host: ${name}.example.org
  backupRoot: ${backupRoot}
  scheduler: { type: cron.d, file: ${cronFile}, user: postgres }
`;
}

export function nodeDoc(name: string, server: string, status = 'running'): string {
  return `apiVersion: pgbackops/v1
kind: Node
metadata: { name: ${name} }
spec: { host: ${name}.example.org, port: 5432, user: postgres, backupServer: ${server}, status: ${status} }
`;
}

/** A Node pointing at a test cluster through its socket directory. */
export function clusterNodeDoc(name: string, cluster: { socketDir: string; port: number; config: { user?: string } }, server = 'backup01'): string {
  return `apiVersion: pgbackops/v1
kind: Node
metadata: { name: ${name} }
spec: { host: ${cluster.socketDir}, port: ${cluster.port}, user: ${String(cluster.config.user)}, backupServer: ${server} }
`;
}

/**
 * A Node pointing at a test cluster through its socket directory, in block style, with `extra` spec fields
 * (walArchive, pgbackrest, notifiers...) as YAML lines written unindented; none when `extra` is empty.
 */
export function clusterNodeSpecDoc(name: string, cluster: { socketDir: string; port: number; config: { user?: string } }, extra = '', server = 'backup01'): string {
  return `apiVersion: pgbackops/v1
kind: Node
metadata: { name: ${name} }
spec:
  host: ${cluster.socketDir}
  port: ${cluster.port}
  user: ${String(cluster.config.user)}
  backupServer: ${server}
${extra.trim() === '' ? '' : `${extra.trim().split('\n').map((l) => `  ${l}`).join('\n')}\n`}`;
}

export function backupDoc(b: BackupDoc): string {
  return `apiVersion: pgbackops/v1
kind: Backup
metadata: { name: ${b.name} }
spec:
  node: ${b.node ?? 'pg1'}
  databases: ${b.databases ?? '[app]'}
  schedule: "${b.schedule ?? '41 1 * * *'}"
  retention: standard
  enabled: ${b.enabled ?? true}
`;
}

/**
 * A Backup of node pg1 on the usual schedule whose other spec fields are `spec`, YAML lines written unindented
 * (type, format, compression, offsite...: what backupDoc does not cover); `retention` null when `spec` names it.
 */
export function backupSpecDoc(name: string, spec: string, retention: string | null = 'standard'): string {
  return `apiVersion: pgbackops/v1
kind: Backup
metadata: { name: ${name} }
spec:
  node: pg1
  schedule: "41 1 * * *"
${retention === null ? '' : `  retention: ${retention}\n`}${spec.trim().split('\n').map((l) => `  ${l}`).join('\n')}
`;
}

export const retentionDoc = `apiVersion: pgbackops/v1
kind: Retention
metadata: { name: standard }
spec: { keepLast: 2, keepDaily: 7 }
`;

/** One server, one node, the given definitions, as four files. */
export function basicConfig(cronFile: string, backups: BackupDoc[], nodeStatus = 'running'): Record<string, string> {
  return {
    'servers.yaml': serverDoc('backup01', cronFile),
    'nodes/pg1.yaml': nodeDoc('pg1', 'backup01', nodeStatus),
    'retention.yaml': retentionDoc,
    'backups.yaml': backups.map(backupDoc).join('---\n'),
  };
}

/** A backup server with its root under `work`, node pg1 and one basebackup definition `phys` (gzip 1). */
export function basebackupConfigDocs(work: string, node: string): Record<string, string> {
  return {
    'server.yaml': serverDoc('backup01', join(work, 'cron', 'pgbackops'), join(work, 'backups')),
    'node.yaml': node,
    'retention.yaml': retentionDoc,
    'backup.yaml': backupSpecDoc('phys', 'method: basebackup\ncompression: { method: gzip, level: 1 }'),
  };
}
