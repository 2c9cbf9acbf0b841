// The last check of each pgBackRest stanza as status and /metrics show it: every declared stanza listed, a
// failing one with pgBackRest's error and since when, a stanza never checked said so, a removed one left out.
import { describe, expect, it } from 'vitest';
import { stanzaCheckOutcome, stanzaCheckStatuses, type StanzaCheckRecord } from '../../../src/core/methods/pgbackrest/stanza-check.js';
import { renderStatusText, statusReport } from '../../../src/core/reports/status-report.js';
import type { NodeSpec } from '../../../src/core/model.js';

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
});
