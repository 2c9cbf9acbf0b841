// GET /api/page's body and the page with its data inlined are built once per version of the data and of the
// daemon's own part (status-page/page-body.ts): exactly the data with the daemon's part, plain and gzipped,
// and in the page an element text that cannot end its element early.
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { PageDaemon, StatusPageData } from '../../../src/core/reports/status-page-model.js';
import { PageBodyCache } from '../../../src/daemon/status-page/page-body.js';

function pageData(definitions: number): StatusPageData {
  const counts = { Failing: 0, Late: 0, 'Never run': 0, Healthy: definitions, Unscheduled: 0 };
  return {
    generatedAt: 1, window: { from: 0, to: 1, days: 30 }, summary: counts,
    revision: { applied: 'abc', appliedAt: 1, attempted: 'def', attemptedAt: 2, error: 'line 1 "quoted" </script>', heldBack: [] },
    daemon: null, servers: [{ name: 'b1', scheduler: 'cron.d', nodes: ['n1'], counts }],
    nodes: [{ name: 'n1', server: 'b1', status: 'running', counts, restorableWindow: null }],
    definitions: Array.from({ length: definitions }, (_, i) => ({
      name: `def-${i}`, server: 'b1', node: 'n1', state: 'Healthy' as const, reason: `ok \u2028 "${i}"`, rpo: null, type: 'full', databases: 'app', format: 'custom',
      schedule: '0 1 * * *', timezone: 'UTC', retention: 'standard', enabled: true, lastSuccessAt: i, lastFailureAt: null, lastFailure: null,
      lastExpectedAt: null, nextRunAt: null, lastBytes: null, lastDurationSeconds: null, timeline: [i, 2, 0, -1],
    })),
    nextRuns: [], oneOffs: [], restores: [],
  };
}

const daemon = (ready: boolean): PageDaemon => ({ server: 'b1', source: 'directory /x', startedAt: 'now', ready, catalogConnected: true, lastPass: null, rejected: null });

describe('PageBodyCache', () => {
  it('is the data with the daemon part, plain and gzipped, for any number of definitions', async () => {
    for (const n of [0, 1, 499, 500, 1234]) {
      const data = pageData(n);
      const body = await new PageBodyCache().of(data, daemon(true));
      const expected = { ...data, daemon: daemon(true) };
      expect(JSON.parse(body.json.toString('utf8'))).toEqual(expected);
      expect(JSON.parse(gunzipSync(await body.jsonGzipped()).toString('utf8'))).toEqual(expected);
      for (const html of [body.html.toString('utf8'), gunzipSync(await body.htmlGzipped).toString('utf8')]) {
        const element = /<script type="application\/json" id="status-page-data" data-refresh="api\/page">([^<]*)<\/script>\n<script type="module" src="assets\/status-page.js"><\/script>/.exec(html);
        expect(element, html.slice(0, 2000)).not.toBeNull();
        expect(JSON.parse(element![1]!)).toEqual(expected);
        expect(html).not.toContain('</script>"'); // the error text's end tag is escaped
      }
    }
  });

  it('builds once per data and daemon part: the same bytes until either changes', async () => {
    const cache = new PageBodyCache();
    const data = pageData(700);
    const first = await Promise.all([cache.of(data, daemon(true)), cache.of(data, daemon(true))]);
    expect(first[1]).toBe(first[0]);
    expect(await cache.of(data, daemon(true))).toBe(first[0]);
    const notReady = await cache.of(data, daemon(false));
    expect(notReady).not.toBe(first[0]);
    expect(JSON.parse(notReady.json.toString('utf8')).daemon.ready).toBe(false);
    const newer = pageData(701);
    const next = await cache.of(newer, daemon(false));
    expect(JSON.parse(next.json.toString('utf8')).definitions).toHaveLength(701);
  });
});
