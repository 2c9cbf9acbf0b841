// The daemon's readiness and what /status and the status page show of it, composed from plain data.
import { describe, expect, it } from 'vitest';
import type { DaemonStatus, PassRecord } from '../../../src/daemon/daemon-status.js';
import { isReady, readiness } from '../../../src/daemon/readiness.js';
import { definitionStatus, initialStatus, pageDaemon, statusFields } from '../../../src/daemon/status-document.js';
import type { DefinitionRunStats } from '../../../src/adapters/catalog/run-stats.js';
import type { PassResult } from '../../../src/daemon/metrics.js';

const at = (iso: string) => Date.parse(iso);
const NOW = at('2026-03-10T12:00:00Z');

function pass(result: PassResult, error: string | null = null): PassRecord {
  return {
    id: 'p1', kind: 'full', reasons: ['start'], startedAt: '2026-03-10T11:59:59.000Z', finishedAt: '2026-03-10T12:00:00.000Z', durationMs: 1000,
    result, revision: 'abc123', error, blockedDeletes: [], driftCorrections: 0,
  };
}

function status(fields: Partial<DaemonStatus> = {}): DaemonStatus {
  return { ...initialStatus('backup-1', 'directory /etc/pgbackops', '2026-03-10T11:00:00.000Z'), catalogConnected: true, ...fields };
}

describe('readiness', () => {
  it('is not ready while the catalog is unreachable, before the first full pass, or after a bad one', () => {
    expect(readiness(status({ catalogConnected: false, lastFullPass: pass('applied') }))).toEqual({ ok: false, why: 'catalog unreachable' });
    expect(readiness(status())).toEqual({ ok: false, why: 'first pass not finished' });
    expect(readiness(status({ lastFullPass: pass('failed', 'lock timeout') }))).toEqual({ ok: false, why: 'last pass failed: lock timeout' });
  });

  it('names the refused revision, even when the pass itself reports it the same way', () => {
    const rejected = { revision: 'def456', result: 'invalid' as const, error: 'the configuration is invalid (1 error(s))', since: '2026-03-10T12:00:00.000Z' };
    expect(readiness(status({ lastFullPass: pass('invalid', rejected.error), rejected }))).toEqual({
      ok: false, why: 'revision def456 invalid: the configuration is invalid (1 error(s))',
    });
  });

  it('is ready after an applied, unchanged or held-back revision, and says when actions are held back', () => {
    expect(readiness(status({ lastFullPass: pass('applied'), appliedRevision: 'abc123' }))).toEqual({ ok: true, why: 'revision abc123' });
    expect(readiness(status({ lastFullPass: pass('unchanged') }))).toEqual({ ok: true, why: 'revision none' });
    const held = readiness(status({ lastFullPass: pass('held-back'), appliedRevision: 'abc123', heldBack: ['delete Backup orders (it has 3 backups)'] }));
    expect(held.ok).toBe(true);
    expect(held.why).toMatch(/^revision abc123 applied with 1 action\(s\) held back \(.*--prune.*\)$/);
  });

  it('agrees with isReady on every combination', () => {
    const passes = [null, pass('applied'), pass('held-back'), pass('unchanged'), pass('converged'), pass('failed', 'x'), pass('refused', 'y')];
    const rejections = [null, { revision: 'r', result: 'refused' as const, error: 'no', since: '' }];
    for (const lastFullPass of passes) {
      for (const rejected of rejections) {
        for (const catalogConnected of [true, false]) {
          const s = status({ lastFullPass, rejected, catalogConnected });
          expect(isReady(s), JSON.stringify({ result: lastFullPass?.result, rejected: !!rejected, catalogConnected })).toBe(readiness(s).ok);
        }
      }
    }
  });
});

describe('definitionStatus', () => {
  const daily = (name: string, scheduled = true) => ({ name, schedule: '0 1 * * *', timezone: 'UTC', scheduled });
  const stats = (fields: Partial<DefinitionRunStats>): DefinitionRunStats => ({
    lastStartedAt: null, lastStatus: null, lastSuccessAt: null, lastFailureAt: null, lastVerdict: null, lastDurationSeconds: null, lastBytes: null, ...fields,
  });

  it('gives each definition its health and last run times, in the JSON contract (snake_case, states as identifiers)', () => {
    const runs = new Map([
      ['orders', stats({ lastStartedAt: at('2026-03-10T01:00:05Z'), lastStatus: 'succeeded', lastSuccessAt: at('2026-03-10T01:02:00Z'), lastVerdict: 'succeeded' })],
      ['billing', stats({ lastStartedAt: at('2026-03-10T01:00:05Z'), lastStatus: 'failed', lastFailureAt: at('2026-03-10T01:01:00Z'), lastVerdict: 'failed' })],
    ]);
    const rows = [daily('orders'), daily('billing'), daily('new'), daily('off', false)].map((d) => definitionStatus(d, runs.get(d.name), NOW));
    expect(rows.map((r) => [r.item.name, r.state, r.item.state])).toEqual([
      ['orders', 'healthy', 'healthy'], ['billing', 'failing', 'failing'], ['new', 'never_run', 'never_run'], ['off', 'unscheduled', 'unscheduled'],
    ]);
    expect(rows[0]!.item).toMatchObject({ last_success_at: '2026-03-10T01:02:00.000Z', last_failure_at: null, last_status: 'succeeded', last_expected_run: '2026-03-10T01:00:00.000Z' });
    expect(rows[1]!.item).toMatchObject({ last_success_at: null, last_failure_at: '2026-03-10T01:01:00.000Z', last_status: 'failed' });
    expect(rows[2]!.item).toMatchObject({ last_success_at: null, last_failure_at: null, last_status: null });
  });
});

describe('statusFields and pageDaemon', () => {
  const rejected = { revision: 'def456', result: 'refused' as const, error: 'mass delete', since: '2026-03-10T12:00:00.000Z', diagnostics: [] };
  const figures = { builtinJobs: null, runningJobs: 2, memory: { rssMib: 80, heapUsedMib: 30, heapTotalMib: 40 }, summary: { healthy: 3 }, walArchives: [], restorableWindows: [], pgbackrestStanzas: [], nextAfter: null };

  it('/status: the status record, the applied revision as `revision`, readiness and the figures, in that order', () => {
    const s = status({ lastFullPass: pass('applied'), lastPass: pass('applied'), appliedRevision: 'abc123' });
    const fields = statusFields(s, figures);
    // The JSON contract: format_version and pgbackops_version first, every key in snake_case.
    const snake = (key: string) => key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
    expect(Object.keys(fields)).toEqual(['format_version', 'pgbackops_version', ...Object.keys(s).map(snake), 'revision', 'ready', 'builtin_jobs', 'running_jobs', 'memory', 'summary', 'wal_archives', 'restorable_windows', 'pgbackrest_stanzas', 'next_after']);
    expect(fields).toMatchObject({ revision: 'abc123', ready: true, running_jobs: 2, summary: { healthy: 3 }, server: 'backup-1' });
    expect(statusFields({ ...s, rejected }, figures).ready).toBe(false);
  });

  it('the page: who the daemon is, whether it is ready, its last pass and the refused revision without diagnostics', () => {
    const s = status({ lastFullPass: pass('refused', 'mass delete'), lastPass: pass('refused', 'mass delete'), rejected });
    expect(pageDaemon(s)).toEqual({
      server: 'backup-1', source: 'directory /etc/pgbackops', startedAt: '2026-03-10T11:00:00.000Z', catalogConnected: true, ready: false,
      lastPass: { result: 'refused', finishedAt: '2026-03-10T12:00:00.000Z', error: 'mass delete' },
      rejected: { revision: 'def456', result: 'refused', error: 'mass delete', since: '2026-03-10T12:00:00.000Z' },
    });
    expect(pageDaemon(status({ catalogConnected: false }))).toMatchObject({ catalogConnected: false, ready: false, lastPass: null, rejected: null });
  });
});
