// The last check of each pgBackRest stanza as status and /metrics show it: every declared stanza listed, a
// failing one with pgBackRest's error and since when, a stanza never checked said so, a removed one left out.
import { describe, expect, it } from 'vitest';
import { stanzaCheckOutcome, stanzaCheckStatuses, type StanzaCheckRecord } from '../../../src/core/methods/pgbackrest/stanza-check.js';
import { renderStatusText, statusReport } from '../../../src/core/reports/status-report.js';
import type { NodeSpec } from '../../../src/core/model.js';
import { checkStatus } from '../../../src/core/reports/check-status.js';
import { statusPageData } from '../../../src/core/reports/status-page-data.js';

const node = (name: string, server: string, stanza?: string) => ({
  name, spec: { backupServer: server, status: 'running', ...(stanza ? { pgbackrest: { stanza, pgPath: '/d', pgPort: 5432 } } : {}) } as unknown as NodeSpec,
});
const at = Date.parse('2026-12-05T21:00:00Z');

describe('stanza checks', () => {
  const records: StanzaCheckRecord[] = [
    { server: 'b1', stanza: 'orders', node: 'pg-orders', ok: false, detail: 'ERROR: [082]: WAL segment was not archived before the 60000ms timeout', checkedBy: 'apply', checkedAt: at, failingSince: at - 3_600_000 },
    { server: 'b1', stanza: 'users', node: 'pg-users', ok: true, detail: null, checkedBy: 'check', checkedAt: at, failingSince: null },
    { server: 'b1', stanza: 'gone', node: 'pg-gone', ok: false, detail: 'x', checkedBy: 'daemon', checkedAt: at },
  ];
  const nodes = [node('pg-users', 'b1', 'users'), node('pg-orders', 'b1', 'orders'), node('pg-new', 'b1', 'new'), node('pg-logical', 'b1'), node('pg-other', 'b2', 'other')];

  it('lists every declared stanza with its last check; a removed stanza is left out', () => {
    const statuses = stanzaCheckStatuses(nodes, records);
    expect(statuses.map((s) => [s.server, s.stanza, s.state, s.checked_by])).toEqual([
      ['b1', 'new', 'never_checked', null], ['b1', 'orders', 'failing', 'apply'], ['b1', 'users', 'passing', 'check'], ['b2', 'other', 'never_checked', null],
    ]);
    expect(statuses[1]).toMatchObject({ detail: records[0]!.detail, failing_since: '2026-12-05T20:00:00.000Z', checked_at: '2026-12-05T21:00:00.000Z' });
    expect(statuses[2]!.failing_since).toBeNull();
    expect(stanzaCheckStatuses(nodes, records, 'b2').map((s) => s.stanza)).toEqual(['other']);
  });

  it('status shows a failing stanza with its error, never hidden', () => {
    const report = statusReport({ definitions: [], nodes, runs: {}, bytesKept: {}, nodeDatabases: {}, oneOffs: [], stanzaChecks: records, now: at });
    expect(report.pgbackrest_stanzas).toHaveLength(4);
    const text = renderStatusText(report);
    expect(text).toMatch(/pgBackRest stanzas:/);
    expect(text).toMatch(/orders: check FAILING since .*: ERROR: \[082\]: WAL segment was not archived/);
    expect(text).toMatch(/new: never checked/);
    expect(statusReport({ definitions: [], nodes: [node('pg-logical', 'b1')], runs: {}, bytesKept: {}, nodeDatabases: {}, oneOffs: [], now: at }).pgbackrest_stanzas).toEqual([]);
  });

  it('a stanza that could not be created is failing, saying so', () => {
    expect(stanzaCheckOutcome({ ok: false, detail: 'no such directory' }, { ok: false, detail: 'not checked' })).toEqual({ ok: false, detail: 'stanza-create failed: no such directory' });
    expect(stanzaCheckOutcome({ ok: true, detail: 'stanza exists' }, { ok: true, detail: 'passed' })).toEqual({ ok: true, detail: null });
  });

  it('check-status: a failing stanza is CRITICAL and named with its error, a never checked one WARNING, a passing one OK', () => {
    const statuses = stanzaCheckStatuses(nodes.filter((n) => n.spec.backupServer === 'b1'), records);
    const result = checkStatus([], new Map(), { warningMs: null, criticalMs: null }, at, 'server b1', [], statuses);
    expect(result.state).toBe('CRITICAL');
    expect(result.line).toMatch(/^PGBACKOPS CRITICAL - 1 critical, 1 warning, 1 ok of 0 definition\(s\) and 3 pgBackRest stanza\(s\) \(server b1\): pgBackRest stanza orders \(node pg-orders\) check failing since 2026-12-05T20:00:00.000Z: ERROR: \[082\]: WAL segment was not archived/);
    expect(result.line).toMatch(/pgBackRest stanza new \(node pg-new\) never checked/);
    expect(result.line).toMatch(/'stanzas_failing'=1;;;0$/);
    expect(result.pgbackrest_stanzas!.map((c) => [c.stanza, c.state])).toEqual([['new', 'WARNING'], ['orders', 'CRITICAL'], ['users', 'OK']]);
    const passing = checkStatus([], new Map(), { warningMs: null, criticalMs: null }, at, 'node pg-users', [], stanzaCheckStatuses([nodes[0]!], records));
    expect(passing.state).toBe('OK');
    expect(passing.line).toMatch(/^PGBACKOPS OK - 0 critical, 0 warning, 1 ok of 0 definition\(s\) and 1 pgBackRest stanza\(s\) \(node pg-users\) \|/);
    // Without stanzas in scope the line is what it was.
    expect(checkStatus([], new Map(), { warningMs: null, criticalMs: null }, at, 'all').line).toBe("PGBACKOPS UNKNOWN - no backup definition matches all | 'definitions'=0;;;0 'ok'=0;;;0 'warning'=0;;;0 'critical'=0;;;0 'never_succeeded'=0;;;0");
  });

  it('the status page data carries each node\'s stanza check, its error on one line', () => {
    const page = statusPageData({
      now: at, servers: [], nodes, definitions: [], summaries: new Map(), timelines: new Map(),
      revision: { applied: null, appliedAt: null, attempted: null, attemptedAt: null, error: null, heldBack: [] },
      daemon: null, oneOffs: [], restores: [], stanzaChecks: [{ ...records[0]!, detail: 'ERROR: [082]: not archived\nHINT: check archive_command' }, records[1]!],
    });
    const byNode = Object.fromEntries(page.nodes.map((n) => [n.name, n.stanza]));
    expect(byNode['pg-orders']).toEqual({ name: 'orders', state: 'failing', detail: 'ERROR: [082]: not archived', checkedAt: at, failingSince: at - 3_600_000 });
    expect(byNode['pg-users']).toMatchObject({ name: 'users', state: 'passing', detail: null });
    expect(byNode['pg-new']).toMatchObject({ name: 'new', state: 'never_checked', checkedAt: null });
    expect(byNode['pg-logical']).toBeNull();
  });
});
