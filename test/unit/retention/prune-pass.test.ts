// pruneServer with the catalog replaced by an in-memory run store: which policy applies to which group, and
// the crash-safe expiry (tombstone, remove files, delete rows) in bounded batches.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RunStore } from '../../../src/adapters/catalog/run-store.js';
import type { RetentionGroup } from '../../../src/core/retention/server-pass.js';
import { silentLogger, type Logger } from '../../../src/adapters/logger.js';
import type { BackupServerSpec, BackupSpec, RetentionSpec } from '../../../src/core/model.js';
import type { ActualObject } from '../../../src/core/objects.js';
import { pruneServer, type PruneRequest } from '../../../src/jobs/prune.js';
import { at, columnsOf, nameOfUuid, ok, uuidOfName, type NamedRun } from './named-runs.js';

const now = at('2026-11-20T12:00:00Z');

function dailyRuns(prefix: string, n: number): NamedRun[] {
  return Array.from({ length: n }, (_, i) => ok(`${prefix}${i}`, new Date(at('2026-11-20T01:30:00Z') - i * 86_400_000).toISOString()));
}

class MemoryRuns {
  readonly calls: string[] = [];
  readonly deleted: string[] = [];
  constructor(private readonly groups: RetentionGroup[], private readonly directories: Record<string, string> = {}) {}
  async retentionGroups(): Promise<RetentionGroup[]> {
    return this.groups;
  }
  async markExpiring(ids: readonly string[]) {
    this.calls.push(`tombstone ${ids.length}`);
    return ids.map((id) => ({ id, directory: this.directories[nameOfUuid(id)] ?? null }));
  }
  async deleteExpired(ids: readonly string[]) {
    this.calls.push(`delete ${ids.length}`);
    this.deleted.push(...ids.map(nameOfUuid));
    return ids.length;
  }
}

function group(definition: string, runs: NamedRun[], last: { retention: RetentionSpec; timezone: string } | null = null): RetentionGroup {
  return { definition, database: 'app', runs: columnsOf(runs), lastRetention: last?.retention ?? null, lastTimezone: last?.timezone ?? null, otherMethods: [] };
}

const objects: ActualObject[] = [
  { kind: 'Retention', name: 'two', spec: { keepLast: 2 }, hash: 'h' },
  { kind: 'Backup', name: 'kept', spec: { retention: 'two', timezone: 'UTC' } as BackupSpec, hash: 'h' },
];

function request(overrides: Partial<PruneRequest> = {}): PruneRequest {
  return { server: 's', serverSpec: { backupRoot: '/backups' } as BackupServerSpec, stateDir: '/state', objects, dryRun: true, forceRemoved: false, now, ...overrides };
}

describe('pruneServer', () => {
  it('applies the current policy, the last one of a removed definition, and warns when none is known', async () => {
    const runs = new MemoryRuns([
      group('kept', dailyRuns('k', 4)),
      group('gone', dailyRuns('g', 3), { retention: { keepLast: 1 }, timezone: 'UTC' }),
      group('unknown', dailyRuns('u', 2)),
    ]);
    const outcome = await pruneServer(runs as unknown as RunStore, silentLogger, request());
    expect([...outcome.decisions].map((d) => [nameOfUuid(d.id), d.keep, d.reasons.at(-1)])).toEqual([
      ['k0', true, 'keepLast (1 of 2)'], ['k1', true, 'keepLast (2 of 2)'], ['k2', false, 'no retention rule keeps it'], ['k3', false, 'no retention rule keeps it'],
      ['g0', true, 'definition removed from the configuration: last retention applies'],
      ['g1', false, 'definition removed from the configuration: last retention applies'],
      ['g2', false, 'definition removed from the configuration: last retention applies'],
    ]);
    expect(outcome).toMatchObject({ kept: 3, expiring: 4, expired: 0 });
    expect(outcome.warnings).toEqual(['unknown/app: no retention known for a removed definition; keeping its 2 run(s) (use --force to remove them)']);
    expect(runs.calls).toEqual([]); // a dry run changes nothing
  });

  it('--force expires every run of removed definitions, and only those', async () => {
    const runs = new MemoryRuns([group('kept', dailyRuns('k', 2)), group('unknown', dailyRuns('u', 2))]);
    const outcome = await pruneServer(runs as unknown as RunStore, silentLogger, request({ dryRun: false, forceRemoved: true }));
    expect(outcome).toMatchObject({ kept: 2, expiring: 2, expired: 2, warnings: [] });
    expect(runs.calls).toEqual(['tombstone 2', 'delete 2']);
    expect(runs.deleted).toEqual(['u0', 'u1']);
  });

  it('expires in batches: each batch tombstoned, its files removed, then its rows deleted', async () => {
    const runs = new MemoryRuns([group('kept', dailyRuns('r', 12_002))]);
    const outcome = await pruneServer(runs as unknown as RunStore, silentLogger, request({ dryRun: false }));
    expect(outcome).toMatchObject({ kept: 2, expired: 12_000 });
    expect(runs.calls).toEqual(['tombstone 5000', 'delete 5000', 'tombstone 5000', 'delete 5000', 'tombstone 2000', 'delete 2000']);
  });

  describe('files', () => {
    let root: string;
    afterEach(() => rmSync(root, { recursive: true, force: true }));

    it('are removed only below the backup root; a row pointing elsewhere stays tombstoned', async () => {
      root = mkdtempSync(join(tmpdir(), 'pgbackops-prune-'));
      const inside = join(root, 'backups', 'node', 'kept', 'old');
      const outside = join(root, 'elsewhere');
      mkdirSync(inside, { recursive: true });
      mkdirSync(outside);
      const runs = new MemoryRuns([group('kept', dailyRuns('k', 4))], { k2: inside, k3: outside });
      const logger = { error: vi.fn() } as unknown as Logger;
      const outcome = await pruneServer(runs as unknown as RunStore, logger, request({ dryRun: false, serverSpec: { backupRoot: join(root, 'backups') } as BackupServerSpec }));
      expect(existsSync(inside)).toBe(false);
      expect(existsSync(outside)).toBe(true);
      expect(outcome.expired).toBe(1);
      expect(runs.calls).toEqual(['tombstone 2', 'delete 1']);
      expect(runs.deleted).toEqual(['k2']);
      expect(logger.error).toHaveBeenCalledWith(expect.objectContaining({ run: uuidOfName('k3'), directory: outside }), expect.stringContaining('outside the backup root'));
    });
  });
});
