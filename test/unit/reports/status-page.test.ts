// The status page's pure parts: the timeline encoding, the aggregation (states, counts per node and server,
// worst first, next runs, no secrets) and the HTML (escaped data, CSP hashes of exactly the inlined assets).
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { BackupSpec, NodeSpec, BackupServerSpec } from '../../../src/core/model.js';
import { decodeTimeline, encodeTimeline } from '../../../src/core/reports/run-timeline.js';
import { statusPageData, type PageRunSummary } from '../../../src/core/reports/status-page-data.js';
import { STATUS_PAGE_CSP, jsonForScriptElement, statusPageHtml } from '../../../src/core/render/status-page-html.js';
import { isAuthorised, parseHttpAuth } from '../../../src/daemon/status-page/http-auth.js';

const NOW = Date.parse('2026-03-10T12:00:00Z');
const H = 3_600_000;

describe('run timeline', () => {
  it('encodes runs of the window oldest first, four numbers each, and decodes them back', () => {
    const from = NOW - 30 * 24 * H;
    const runs = [
      { status: 'failed', startedAt: NOW - 2 * H, finishedAt: NOW - 2 * H + 3000, bytes: null },
      { status: 'succeeded', startedAt: NOW - 26 * H, finishedAt: NOW - 26 * H + 61_000, bytes: 1234 },
      { status: 'running', startedAt: NOW - 1000, finishedAt: null, bytes: null },
      { status: 'succeeded', startedAt: from - 1, finishedAt: from + 1000, bytes: 1 },
      { status: 'strange', startedAt: NOW - 3 * H, finishedAt: NOW - 3 * H, bytes: null },
    ];
    const encoded = encodeTimeline(runs, from);
    expect(encoded.length).toBe(16);
    expect(decodeTimeline(encoded, from)).toEqual([
      { startedAt: NOW - 26 * H, durationSeconds: 61, status: 'succeeded', bytes: 1234 },
      { startedAt: NOW - 3 * H, durationSeconds: 0, status: 'failed', bytes: null },
      { startedAt: NOW - 2 * H, durationSeconds: 3, status: 'failed', bytes: null },
      { startedAt: NOW - 1000, durationSeconds: null, status: 'running', bytes: null },
    ]);
  });
});

const server: BackupServerSpec = { host: 'b1', backupRoot: '/srv', scheduler: { type: 'cron.d', file: '/etc/cron.d/x', user: 'postgres' }, timezone: 'UTC' } as BackupServerSpec;
const node = (status: 'running' | 'stopped'): NodeSpec => ({ host: 'secret-host.example', port: 5432, user: 'backup', maintenanceDatabase: 'postgres', passfile: '/etc/secret-pgpass', status, backupServer: 'b1' });
const backup = (nodeName: string, enabled = true): BackupSpec => ({
  node: nodeName, databases: ['app'], exclude: [], type: 'full', schedule: '0 10 * * *', resolvedSchedule: '0 10 * * *', timezone: 'UTC', format: 'custom',
  jobs: 1, compression: { method: 'gzip' }, includeSchemas: [], excludeSchemas: [], includeTables: [], excludeTables: [], extraArgs: [], retention: 'standard', enabled,
} as BackupSpec);
const summary = (s: Partial<PageRunSummary>): PageRunSummary => ({
  lastStartedAt: null, lastStatus: null, lastSuccessAt: null, lastFailureAt: null, lastVerdict: null, lastDurationSeconds: null, lastBytes: null, ...s,
});

describe('statusPageData', () => {
  const data = statusPageData({
    now: NOW,
    servers: [{ name: 'b1', spec: server }],
    nodes: [{ name: 'pg1', spec: node('running') }, { name: 'pg2', spec: node('stopped') }],
    definitions: [
      { name: 'ok', spec: backup('pg1') }, { name: 'bad', spec: backup('pg1') }, { name: 'late', spec: backup('pg1') },
      { name: 'new', spec: backup('pg1') }, { name: 'off', spec: backup('pg2') },
    ],
    summaries: new Map([
      ['ok', summary({ lastStartedAt: NOW - 2 * H, lastVerdict: 'succeeded', lastSuccessAt: NOW - 2 * H + 60_000, lastBytes: 10 })],
      ['bad', summary({ lastStartedAt: NOW - 2 * H, lastVerdict: 'failed', lastFailureAt: NOW - 2 * H, lastFailureReason: 'app: connection: refused' })],
      ['late', summary({ lastStartedAt: NOW - 26 * H, lastVerdict: 'succeeded', lastSuccessAt: NOW - 26 * H })],
    ]),
    timelines: new Map([['ok', [{ status: 'succeeded', startedAt: NOW - 2 * H, finishedAt: NOW - 2 * H + 60_000, bytes: 10 }]]]),
    revision: { applied: 'abc', appliedAt: NOW - H, attempted: 'def', attemptedAt: NOW - 60_000, error: 'invalid: backups.yaml:3:1 E_NAME_INVALID', heldBack: [] },
    daemon: null,
    oneOffs: [],
    restores: [],
  });

  it('gives each definition its state, worst first, and counts them per state, node and server', () => {
    expect(data.definitions.map((d) => `${d.name}:${d.state}`)).toEqual(['bad:Failing', 'late:Late', 'new:Never run', 'ok:Healthy', 'off:Unscheduled']);
    expect(data.summary).toEqual({ Failing: 1, Late: 1, 'Never run': 1, Healthy: 1, Unscheduled: 1 });
    expect(data.nodes.map((n) => [n.name, n.counts])).toEqual([
      ['pg1', { Failing: 1, Late: 1, 'Never run': 1, Healthy: 1, Unscheduled: 0 }],
      ['pg2', { Failing: 0, Late: 0, 'Never run': 0, Healthy: 0, Unscheduled: 1 }],
    ]);
    expect(data.servers).toEqual([{ name: 'b1', scheduler: 'cron.d', nodes: ['pg1', 'pg2'], counts: data.summary }]);
    expect(data.definitions[0]!.lastFailure).toBe('app: connection: refused');
    expect(data.definitions.find((d) => d.name === 'ok')!.timeline).toEqual([30 * 24 * 3600 - 7200, 60, 0, 10]);
  });

  it('lists the next runs of scheduled definitions only, soonest first', () => {
    expect(data.nextRuns.map((r) => r.definition)).toEqual(['bad', 'late', 'new', 'ok']);
    expect(new Set(data.nextRuns.map((r) => r.at))).toEqual(new Set([Date.parse('2026-03-11T10:00:00Z')]));
  });

  it('holds no connection setting of a node', () => {
    const text = JSON.stringify(data);
    expect(text).not.toContain('secret-host');
    expect(text).not.toContain('secret-pgpass');
  });
});

describe('statusPageHtml', () => {
  it('inlines data that cannot close its element, and allows exactly the inlined script and style', () => {
    const script = 'console.log(1)';
    const style = 'body{color:red}';
    const html = statusPageHtml({ mode: 'file', script, style, data: { name: '</script><script>alert(1)</script>\u2028' } });
    expect(html).not.toContain('</script><script>alert');
    expect(JSON.parse(jsonForScriptElement({ a: '</script>' }))).toEqual({ a: '</script>' });
    const hash = (t: string) => createHash('sha256').update(t).digest('base64');
    const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)![1]!;
    expect(csp).toContain(`script-src 'sha256-${hash(script)}'`);
    expect(csp).toContain(`style-src 'sha256-${hash(style)}'`);
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain("'unsafe-inline'");
    expect(() => statusPageHtml({ mode: 'file', script: 'x="</script>"', style, data: {} })).toThrow(/cannot be inlined/);
  });

  it('served, links the assets and the header policy allows only them', () => {
    const html = statusPageHtml({ mode: 'served', scriptUrl: 'assets/status-page.js', styleUrl: 'assets/status-page.css' });
    expect(html).toContain('<script type="module" src="assets/status-page.js"></script>');
    expect(html).not.toMatch(/<script(?![^>]*src=)[^>]*>[^<]/);
    expect(STATUS_PAGE_CSP).toBe("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'");
  });
});

describe('http auth', () => {
  const basic = (s: string) => `Basic ${Buffer.from(s).toString('base64')}`;
  it('a token: bearer, or the password of basic with any user', () => {
    const auth = parseHttpAuth('s3cr3t-token\n', 'f');
    expect(isAuthorised(auth, 'Bearer s3cr3t-token')).toBe(true);
    expect(isAuthorised(auth, basic('anyone:s3cr3t-token'))).toBe(true);
    expect(isAuthorised(auth, 'Bearer s3cr3t')).toBe(false);
    expect(isAuthorised(auth, undefined)).toBe(false);
  });
  it('user:password: basic only', () => {
    const auth = parseHttpAuth('ops:pa:ss', 'f');
    expect(auth).toEqual({ kind: 'basic', user: 'ops', password: 'pa:ss' });
    expect(isAuthorised(auth, basic('ops:pa:ss'))).toBe(true);
    expect(isAuthorised(auth, basic('other:pa:ss'))).toBe(false);
    expect(isAuthorised(auth, 'Bearer pa:ss')).toBe(false);
  });
  it('refuses an empty file or an empty part', () => {
    expect(() => parseHttpAuth('\n', 'f')).toThrow(/empty/);
    expect(() => parseHttpAuth(':x', 'f')).toThrow(/user:password/);
  });
});

describe('staleWhileRefreshing', () => {
  it('reads once at first, serves the last data while a newer read runs, one read at a time', async () => {
    const { staleWhileRefreshing } = await import('../../../src/daemon/status-page/page-routes.js');
    let clock = 0;
    let reads = 0;
    let release: (() => void) | null = null;
    const data = staleWhileRefreshing(10, async () => {
      reads++;
      if (reads > 1) await new Promise<void>((r) => (release = r));
      return reads;
    }, () => clock);
    expect(await Promise.all([data(), data()])).toEqual([1, 1]);
    clock = 5;
    expect(await data()).toBe(1);
    clock = 20;
    expect(await data()).toBe(1); // stale, a read started
    expect(await data()).toBe(1); // no second read meanwhile
    expect(reads).toBe(2);
    release!();
    await new Promise((r) => setTimeout(r, 0));
    expect(await data()).toBe(2);
  });
});
