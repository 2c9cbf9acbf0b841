import { describe, expect, it } from 'vitest';
import { decisionsOf, expiringIdsOf } from '../../../src/core/retention/decision-list.js';
import { selectForcedRemoval } from '../../../src/core/retention/force.js';
import { selectRetention } from '../../../src/core/retention/select.js';
import { at, columnsOf, decisionsByName, nameOfUuid, ok, type NamedRun } from './named-runs.js';

const now = at('2026-11-20T12:00:00Z');

describe('forced removal', () => {
  it('expires every run of the definition except one still running', () => {
    const runs: NamedRun[] = [
      { id: 'run', startedAt: at('2026-11-20T05:00:00Z'), status: 'running' },
      ok('newest', '2026-11-20T01:30:00Z'),
      { id: 'failed', startedAt: at('2026-11-19T01:30:00Z'), status: 'failed' },
      { id: 'skipped', startedAt: at('2026-11-18T01:30:00Z'), status: 'skipped' },
    ];
    const selection = selectForcedRemoval(columnsOf(runs));
    expect(selection.expiring).toBe(3);
    expect(decisionsByName(selection).map((d) => [d.id, d.keep, d.reasons])).toEqual([
      ['run', true, ['running']],
      ['newest', false, ['definition removed; --force expires all its backups']],
      ['failed', false, ['definition removed; --force expires all its backups']],
      ['skipped', false, ['definition removed; --force expires all its backups']],
    ]);
  });
});

describe('decision lists', () => {
  const groups = ['a', 'b'].map((definition) => ({
    definition,
    database: definition === 'a' ? 'app' : null,
    selection: selectRetention(columnsOf([ok(`${definition}1`, '2026-11-20T01:30:00Z'), ok(`${definition}2`, '2026-11-19T01:30:00Z'), ok(`${definition}3`, '2026-11-18T01:30:00Z')]), { keepLast: 1 }, 'UTC', now),
    note: definition === 'b' ? 'definition removed from the configuration: last retention applies' : null,
  }));

  it('lists every decision group by group, newest first, with the group note after the reasons', () => {
    const all = [...decisionsOf(groups)];
    expect(all.map((d) => [d.definition, d.database, nameOfUuid(d.id), d.status, d.keep])).toEqual([
      ['a', 'app', 'a1', 'succeeded', true], ['a', 'app', 'a2', 'succeeded', false], ['a', 'app', 'a3', 'succeeded', false],
      ['b', null, 'b1', 'succeeded', true], ['b', null, 'b2', 'succeeded', false], ['b', null, 'b3', 'succeeded', false],
    ]);
    expect(all[0]!.startedAt).toBe(at('2026-11-20T01:30:00Z'));
    expect(all[4]!.reasons).toEqual(['no retention rule keeps it', 'definition removed from the configuration: last retention applies']);
  });

  it('lists only the expiring ones when asked, and their ids for the expiry', () => {
    expect([...decisionsOf(groups, 'expiring')].map((d) => nameOfUuid(d.id))).toEqual(['a2', 'a3', 'b2', 'b3']);
    expect(expiringIdsOf(groups).map(nameOfUuid)).toEqual(['a2', 'a3', 'b2', 'b3']);
  });
});
