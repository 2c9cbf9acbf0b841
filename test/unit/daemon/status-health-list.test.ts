// /status remembers each definition's health line (status-health-list.ts) until its runs, the clock or the
// definition change it: what it answers must be, at every instant, what computing everything afresh answers,
// a page at a time in status-order.ts's order (problems first).
import { definitionStatus } from '../../../src/daemon/status-document.js';
import { describe, expect, it } from 'vitest';
import { definitionHealth, healthChangesAt, START_GRACE_MS, type RunSummary } from '../../../src/core/reports/definition-health.js';
import { JSON_LIST_SEPARATOR } from '../../../src/daemon/http-server.js';
import { compareStatusKeys, type StatusKey } from '../../../src/core/reports/status-order.js';
import type { MetricDefinition } from '../../../src/daemon/metrics.js';
import { StatusHealthList } from '../../../src/daemon/status-health-list.js';

const at = (iso: string) => Date.parse(iso);
const MINUTE = 60_000;

const SCHEDULES: Array<[string, string]> = [
  ['*/5 * * * *', 'UTC'], ['41 1 * * *', 'UTC'], ['30 2 * * *', 'Europe/Berlin'], ['0 3 * * 0', 'America/New_York'],
  ['15 4 1 * *', 'Asia/Kolkata'], ['0 0 29 2 *', 'UTC'], ['7 */6 * * 1-5', 'Australia/Lord_Howe'],
];

/** A deterministic pseudo-random sequence (mulberry32). */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function runsAt(started: number | null, verdict: 'succeeded' | 'failed' | null): RunSummary | undefined {
  if (started === null) return undefined;
  return {
    lastStartedAt: started, lastStatus: verdict ?? 'running',
    lastSuccessAt: verdict === 'succeeded' ? started + MINUTE : null, lastFailureAt: verdict === 'failed' ? started + MINUTE : null, lastVerdict: verdict,
  };
}

/** What /status shows of one definition, computed afresh. */
function fresh(d: MetricDefinition, runs: RunSummary | undefined, now: number): unknown {
  // The item as /status sends it (the JSON contract's spelling), computed with nothing remembered.
  return definitionStatus(d, runs, now).item;
}

function parse(slices: Buffer[]): unknown[] {
  return JSON.parse(`[${slices.map((s) => s.toString('utf8')).join(JSON_LIST_SEPARATOR)}]`) as unknown[];
}

describe('healthChangesAt', () => {
  it('is an instant before which the health of the same runs does not change', () => {
    const next = random(7);
    for (let i = 0; i < 400; i++) {
      const [schedule, timezone] = SCHEDULES[i % SCHEDULES.length]!;
      const d = { name: 'd', schedule, timezone, scheduled: i % 9 !== 0 };
      const now = at('2026-01-01T00:00:00Z') + Math.floor(next() * 365 * 86_400_000);
      const runs = runsAt(next() < 0.2 ? null : now - Math.floor(next() * 3 * 86_400_000), next() < 0.3 ? 'failed' : next() < 0.9 ? 'succeeded' : null);
      const until = healthChangesAt(d, now);
      expect(until).toBeGreaterThan(now);
      const before = definitionHealth(d, runs, now);
      for (const t of [now + 1, now + Math.floor((until - now) * next()), until - 1]) {
        if (t >= until || !Number.isFinite(t)) continue;
        expect(definitionHealth(d, runs, t), `${schedule} ${timezone} at ${new Date(t).toISOString()}`).toEqual(before);
      }
    }
  });

  it('ends with the minute, or at the start grace of the last firing when Late may begin', () => {
    const d = { name: 'd', schedule: '41 1 * * *', timezone: 'UTC', scheduled: true };
    expect(healthChangesAt(d, at('2026-03-10T01:42:10Z'))).toBe(at('2026-03-10T01:43:00Z'));
    const now = at('2026-03-10T01:46:00Z');
    const runs = runsAt(at('2026-03-09T01:41:00Z'), 'succeeded');
    const until = healthChangesAt(d, now);
    expect(until).toBe(at('2026-03-10T01:41:00Z') + START_GRACE_MS + 1);
    expect(definitionHealth(d, runs, until - 1).state).toBe('Healthy');
    expect(definitionHealth(d, runs, until).state).toBe('Late');
  });
});

describe('StatusHealthList', () => {
  it('answers at every instant what a fresh computation answers, as runs, the clock and definitions change', async () => {
    const next = random(11);
    let definitions: MetricDefinition[] = Array.from({ length: 120 }, (_, i) => {
      const [schedule, timezone] = SCHEDULES[i % SCHEDULES.length]!;
      return { name: `def-${i}`, node: 'pg1', schedule, timezone, scheduled: i % 11 !== 0 };
    });
    const stats = new Map<string, RunSummary>();
    const list = new StatusHealthList(16);
    let now = at('2026-03-28T22:00:00Z'); // the night Europe's clocks move
    for (let step = 0; step < 60; step++) {
      // Steps of seconds to a day; now and then a run starts or finishes, a definition is replaced.
      now += Math.floor(next() ** 3 * 86_400_000);
      for (let k = 0; k < 5; k++) {
        const name = `def-${Math.floor(next() * definitions.length)}`;
        const r = next();
        if (r < 0.4) stats.set(name, runsAt(now - Math.floor(next() * 600_000), 'succeeded')!);
        else if (r < 0.6) stats.set(name, runsAt(now - Math.floor(next() * 600_000), 'failed')!);
        else if (r < 0.8) stats.set(name, runsAt(now, null)!);
        else stats.delete(name);
      }
      if (step % 10 === 9) {
        const i = Math.floor(next() * definitions.length);
        definitions = definitions.map((d, j) => (j === i ? { ...d, schedule: '*/10 * * * *', scheduled: !d.scheduled } : d));
      }
      // A copy, as the daemon reads new objects from the catalog on every request.
      const read = new Map([...stats].map(([k, v]) => [k, { ...v }]));
      // Every page, each of a random size: together the whole listing, each definition once, in order.
      const listed: unknown[] = [];
      let after: StatusKey | null = null;
      let summary: Record<string, number> = {};
      for (let pages = 0; pages < 200; pages++) {
        const page = await list.read(definitions, read, now, { limit: 1 + Math.floor(next() * 40), after, state: null });
        listed.push(...parse(page.slices));
        summary = page.summary;
        if (page.nextAfter === null) break;
        after = page.nextAfter;
      }
      const expected = definitions.map((d) => fresh(d, stats.get(d.name), now) as StatusKey)
        .sort((a, b) => compareStatusKeys(a, b));
      expect(listed, `step ${step} at ${new Date(now).toISOString()}`).toEqual(expected);
      const counts: Record<string, number> = {};
      for (const e of expected as Array<{ state: string }>) counts[e.state] = (counts[e.state] ?? 0) + 1;
      expect(summary).toEqual(counts);
    }
  });

  it('lists one state, a page at a time, with the counts of every definition and a definition added between pages', async () => {
    const daily = (name: string): MetricDefinition => ({ name, node: 'pg1', schedule: '41 1 * * *', timezone: 'UTC', scheduled: true });
    let definitions = Array.from({ length: 50 }, (_, i) => daily(`def-${String(i).padStart(2, '0')}`));
    const now = at('2026-03-10T12:00:00Z');
    const failed = new Map([5, 17, 23, 31, 44].map((i) => [`def-${String(i).padStart(2, '0')}`, runsAt(at('2026-03-10T01:41:30Z'), 'failed')!]));
    const list = new StatusHealthList(2);
    const first = await list.read(definitions, failed, now, { limit: 2, after: null, state: 'failing' });
    expect((parse(first.slices) as StatusKey[]).map((d) => d.name)).toEqual(['def-05', 'def-17']);
    expect(first.summary).toEqual({ failing: 5, never_run: 45 });
    expect(first.nextAfter).toEqual({ state: 'failing', name: 'def-17' });
    // A failing definition named before the cursor and one after it appear between the two pages.
    definitions = [...definitions, daily('def-10a'), daily('def-20a')];
    const more = new Map([...failed, ['def-10a', failed.get('def-05')!], ['def-20a', failed.get('def-05')!]]);
    const second = await list.read(definitions, more, now, { limit: 10, after: first.nextAfter, state: 'failing' });
    expect((parse(second.slices) as StatusKey[]).map((d) => d.name)).toEqual(['def-20a', 'def-23', 'def-31', 'def-44']);
    expect(second.nextAfter).toBeNull();
    expect(second.summary).toEqual({ failing: 7, never_run: 45 });
    // Without a state: problems first, then the rest by name.
    const all = await list.read(definitions, more, now, { limit: 8, after: null, state: null });
    expect((parse(all.slices) as StatusKey[]).map((d) => `${d.state} ${d.name}`)).toEqual([
      'failing def-05', 'failing def-10a', 'failing def-17', 'failing def-20a', 'failing def-23', 'failing def-31', 'failing def-44', 'never_run def-00',
    ]);
    expect(all.nextAfter).toEqual({ state: 'never_run', name: 'def-00' });
  });
});
