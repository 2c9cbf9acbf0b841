// What `prune` prints: the decisions written in chunks must read exactly as if printed in one piece.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { printJsonWithDecisions, pruneJson, writePruneText } from '../../../src/cli/prune-output.js';
import { VERSION } from '../../../src/runtime/version.js';
import { decisionsOf } from '../../../src/core/retention/decision-list.js';
import { selectRetention } from '../../../src/core/retention/select.js';
import type { PruneOutcome } from '../../../src/jobs/prune.js';
import { at, columnsOf, ok } from './named-runs.js';

function outcome(runsPerGroup: number): PruneOutcome {
  const groups = ['orders', 'billing'].map((definition) => ({
    definition,
    database: definition === 'orders' ? 'app' : null,
    selection: selectRetention(
      columnsOf(Array.from({ length: runsPerGroup }, (_, i) => ok(`${definition}${i}`, new Date(at('2026-11-20T01:30:00Z') - i * 86_400_000).toISOString()))),
      { keepLast: 1, keepDaily: 2 }, 'Europe/Oslo', at('2026-11-20T12:00:00Z'),
    ),
    note: null,
  }));
  const expiring = groups.reduce((n, g) => n + g.selection.expiring, 0);
  return { groups, decisions: { [Symbol.iterator]: () => decisionsOf(groups) }, expiring, expired: 0, kept: 2 * runsPerGroup - expiring, warnings: ['w/(cluster): a warning'], wal: [] };
}

function captureStdout(): () => string {
  let text = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    text += String(chunk);
    return true;
  });
  return () => text;
}

afterEach(() => vi.restoreAllMocks());

describe('prune output', () => {
  it('JSON: every decision with an ISO timestamp, in the JSON contract (snake_case), formatted as JSON.stringify would, wherever the outcome sits', async () => {
    for (const runs of [0, 3, 2000]) {
      const prune = outcome(runs);
      const output = captureStdout();
      await printJsonWithDecisions({ servers: [{ server: 'b1', spool: { ingested: 0 }, prune: pruneJson(prune), after: [1] }, { server: 'b2', prune: pruneJson(null) }] });
      const decisions = [...prune.decisions].map(({ startedAt, ...d }) => ({ ...d, started_at: new Date(startedAt).toISOString() }))
        .map(({ id, definition, database, started_at, status, keep, reasons }) => ({ id, definition, database, started_at, status, keep, reasons }));
      expect(output()).toBe(`${JSON.stringify({
        format_version: '1',
        pgbackops_version: VERSION,
        servers: [
          { server: 'b1', spool: { ingested: 0 }, prune: { decisions, expired: 0, kept: prune.kept, warnings: prune.warnings, wal_archives: [] }, after: [1] },
          { server: 'b2', prune: null },
        ],
      }, null, 2)}\n`);
      vi.restoreAllMocks();
    }
  });

  it('text: the expiring backups (all with --verbose-decisions), the warnings and the counts', async () => {
    const output = captureStdout();
    await writePruneText(outcome(3), true, false);
    expect(output()).toBe([
      '  expire  orders app 2026-11-18T01:30:00.000Z succeeded 6f726465-7273-3200-0000-000000000000: no retention rule keeps it',
      '  expire  billing (cluster) 2026-11-18T01:30:00.000Z succeeded 62696c6c-696e-6732-0000-000000000000: no retention rule keeps it',
      '  warning: w/(cluster): a warning',
      '  4 kept, 2 would expire (dry run)',
      '',
    ].join('\n'));
    vi.restoreAllMocks();
    const verbose = captureStdout();
    await writePruneText({ ...outcome(2), expired: 0 }, false, true);
    expect(verbose().split('\n').slice(0, 2)).toEqual([
      '  keep    orders app 2026-11-20T01:30:00.000Z succeeded 6f726465-7273-3000-0000-000000000000: newest successful backup; keepLast (1 of 1); keepDaily (2026-11-20)',
      '  keep    orders app 2026-11-19T01:30:00.000Z succeeded 6f726465-7273-3100-0000-000000000000: keepDaily (2026-11-19)',
    ]);
    expect(verbose()).toMatch(/ {2}4 kept, 0 expired\n$/);
  });
});
