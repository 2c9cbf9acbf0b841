// The run path calls the definition's method through the seam and nothing else: a method that is not pg_dump
// (a stand-in written here, touching no PostgreSQL) gets the run's lock, its databases, one takeBackup per
// database and the vanished check, and its records go where every run's records go (here the spool: no
// catalog). The I/O registry hands out the logical method by name and refuses names it does not have.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/adapters/logger.js';
import { listSpool } from '../../../src/adapters/spool.js';
import { LOGICAL_RULES } from '../../../src/core/methods/logical/rules.js';
import { methodRulesOf } from '../../../src/core/methods/registry.js';
import { BACKUP_METHODS, type BackupSpec, type NodeSpec } from '../../../src/core/model.js';
import type { RunRecord } from '../../../src/core/runs/run-record.js';
import type { RunnableDefinition } from '../../../src/runtime/definition-cache.js';
import { runBackup } from '../../../src/jobs/run-backup.js';
import { baseRecord, type RunRequest } from '../../../src/jobs/run-request.js';
import { RunRecorder } from '../../../src/jobs/run-recorder.js';
import type { BackupMethod } from '../../../src/methods/method.js';
import { backupMethodOf, UnknownBackupMethodError } from '../../../src/methods/registry.js';

const NODE: NodeSpec & { name: string } = {
  name: 'pg1', host: '/nonexistent', port: 1, user: 'nobody', maintenanceDatabase: 'postgres', status: 'running', backupServer: 'backup01',
};

function definition(databases: string[]): RunnableDefinition {
  const backup: BackupSpec = {
    node: 'pg1', databases, exclude: [], type: 'full', schedule: '41 1 * * *', resolvedSchedule: '41 1 * * *', timezone: 'UTC',
    format: 'custom', jobs: 1, compression: { method: 'gzip', level: 6 }, includeSchemas: [], excludeSchemas: [],
    includeTables: [], excludeTables: [], extraArgs: [], retention: { keepLast: 1 }, enabled: true,
  };
  return { name: 'orders', backup, node: NODE, retention: { keepLast: 1 } };
}

/** A method that records what it was asked, and "backs up" by recording success without any program. */
function standIn(calls: string[]): BackupMethod {
  const unused = async (): Promise<never> => {
    throw new Error('not part of a run');
  };
  return {
    name: 'logical',
    rules: LOGICAL_RULES,
    check: unused,
    verify: unused,
    restore: unused,
    firstDatabase: () => 'postgres',
    plannedDatabases: (request) => {
      calls.push('planned');
      return [...(request.definition.backup.databases as string[])];
    },
    databasesToBackUp: async (request) => {
      calls.push('databases');
      return [...(request.definition.backup.databases as string[]), 'late'];
    },
    takeBackup: async (request, database) => {
      calls.push(`take ${database}`);
      const record: RunRecord = { ...baseRecord(request, database, new Date()), status: 'succeeded', finishedAt: new Date().toISOString() };
      await request.recorder.record(record);
      return record;
    },
    recordVanished: async (_request, taken) => {
      calls.push(`vanished after ${taken.join(',')}`);
      return [];
    },
  };
}

describe('a run goes through its method', () => {
  it('plans, lists, takes one backup per database and checks for vanished ones, in that order, under the lock', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'pgbackops-dispatch-'));
    const calls: string[] = [];
    const request: RunRequest = {
      stateDir, server: 'backup01', serverSpec: { host: 'h', backupRoot: join(stateDir, 'backups'), scheduler: { type: 'builtin' }, timezone: 'UTC' },
      definition: definition(['a', 'b']), method: standIn(calls), recorder: new RunRecorder(stateDir, null, silentLogger), logger: silentLogger,
    };
    const outcome = await runBackup(request);
    expect(calls).toEqual(['planned', 'databases', 'take a', 'take b', 'take late', 'vanished after a,b,late']);
    expect(outcome.recordedIn).toBe('spool');
    expect(outcome.records.map((r) => [r.database, r.status, r.method, r.backupType, r.format])).toEqual([
      ['a', 'succeeded', 'logical', 'full', 'custom'],
      ['b', 'succeeded', 'logical', 'full', 'custom'],
      ['late', 'succeeded', 'logical', 'full', 'custom'],
    ]);
    // Every record the method made went through the run's recorder: the spool holds the last state of each.
    const spooled = readdirSync(join(stateDir, 'spool')).map((f) => JSON.parse(readFileSync(join(stateDir, 'spool', f), 'utf8')) as RunRecord);
    expect(spooled.map((r) => r.database).sort()).toEqual(['a', 'b', 'late']);
    expect(spooled.every((r) => r.method === 'logical' && r.methodFacts === null)).toBe(true);
  });

  it('a failure of the method outside a backup is recorded for every database without a record', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'pgbackops-dispatch-'));
    const calls: string[] = [];
    const method: BackupMethod = { ...standIn(calls), databasesToBackUp: async () => { throw new Error('the node is gone'); } };
    const outcome = await runBackup({
      stateDir, server: 'backup01', serverSpec: { host: 'h', backupRoot: join(stateDir, 'backups'), scheduler: { type: 'builtin' }, timezone: 'UTC' },
      definition: definition(['a', 'b']), method, recorder: new RunRecorder(stateDir, null, silentLogger), logger: silentLogger,
    });
    expect(calls).toEqual(['planned']);
    expect(outcome.records.map((r) => [r.database, r.status, r.method])).toEqual([['a', 'failed', 'logical'], ['b', 'failed', 'logical']]);
  });
});

describe('method registry (I/O implementations)', () => {
  it('has an implementation for every method, with the same rules as the pure registry', () => {
    for (const name of BACKUP_METHODS) {
      const method = backupMethodOf(name, 'test');
      expect(method.name).toBe(name);
      expect(method.rules).toBe(methodRulesOf(name));
      expect(method.rules.prerequisites.length).toBeGreaterThan(0);
    }
  });

  it('refuses a method this version does not have, saying whose it is', () => {
    expect(() => backupMethodOf('barman', 'backup 1234abcd')).toThrow(UnknownBackupMethodError);
    expect(() => backupMethodOf('barman', 'backup 1234abcd')).toThrow(/^backup 1234abcd names the backup method "barman", which this version of pgbackops does not have \(it has: logical, basebackup, pgbackrest\)/);
    expect(() => backupMethodOf('toString', 'definition x')).toThrow(UnknownBackupMethodError);
  });
});

describe('the spool', () => {
  it('reads a record spooled by a version before methods as a logical run, not encrypted', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'pgbackops-dispatch-'));
    mkdirSync(join(stateDir, 'spool'));
    const old = { id: '6f1c1f1e-0000-4000-8000-000000000001', definition: 'orders', database: 'app', status: 'succeeded', backupType: 'full', format: 'custom' };
    writeFileSync(join(stateDir, 'spool', `${old.id}.json`), JSON.stringify(old));
    const [item] = await listSpool(stateDir);
    expect(item!.record).toEqual({ ...old, method: 'logical', methodFacts: null, encryption: null });
  });
});
