// WAL on a test cluster for the WAL archive tests: queries as its superuser, closing segments, and real base
// backups (pg_basebackup) whose start position is read from their backup_label.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { findServerBinaries } from '../../src/adapters/postgres/binaries.js';
import { runProgram } from '../../src/adapters/os/run-program.js';
import type { TestCluster } from './pg-cluster.js';

export async function nodeQuery<T = Record<string, unknown>>(node: TestCluster, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client(node.adminConfig);
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}

/** Writes some WAL and closes the current segment; returns the name of the segment closed. */
export async function switchSegment(node: TestCluster): Promise<string> {
  await nodeQuery(node, 'create table if not exists churn(x int)');
  await nodeQuery(node, 'insert into churn select generate_series(1, 1000)');
  const [row] = await nodeQuery<{ name: string }>(node, 'select pg_walfile_name(pg_switch_wal()) as name');
  return row!.name;
}

/** What pg_basebackup's backup_label says of a base backup: the facts its run records. */
export interface BaseBackupStart {
  startLsn: string;
  timeline: number;
  startWalSegment: string;
}

/** A real base backup of the cluster (plain format, no WAL: the archive has it), removed after; its start. */
export async function takeBaseBackup(node: TestCluster): Promise<BaseBackupStart> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'pgbo-base-'));
  try {
    const { binDir } = await findServerBinaries();
    const result = await runProgram(path.join(binDir, 'pg_basebackup'), [
      '-D', path.join(dir, 'data'), '-Fp', '-X', 'none', '-c', 'fast', '--no-sync', '-h', node.socketDir, '-p', String(node.port), '-U', String(node.config.user),
    ]);
    if (result.exitCode !== 0) throw new Error(`pg_basebackup failed: ${result.stderr}`);
    const label = await readFile(path.join(dir, 'data', 'backup_label'), 'utf8');
    const start = /^START WAL LOCATION: ([0-9A-F]+\/[0-9A-F]+) \(file ([0-9A-F]{24})\)$/m.exec(label);
    const timeline = /^START TIMELINE: (\d+)$/m.exec(label);
    if (!start || !timeline) throw new Error(`unexpected backup_label:\n${label}`);
    return { startLsn: start[1]!, startWalSegment: start[2]!, timeline: Number(timeline[1]) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
