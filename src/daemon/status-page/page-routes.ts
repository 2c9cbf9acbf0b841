// The status page's routes on the daemon's HTTP server (docs/status-page.md): the page, its bundled script
// and style, and its data. Read-only: GET and HEAD only (the server refuses other methods before this).
import type { ServerResponse } from 'node:http';
import { gzip } from 'node:zlib';
import { promisify } from 'node:util';
import { statusPageAssets } from '../../adapters/fs/status-page-assets.js';
import type { PageDaemon, PageRunDetail, StatusPageData } from '../../core/reports/status-page-model.js';
import { PageBodyCache, type PageBody } from './page-body.js';

export interface PageHandlers {
  /** The page's data from the catalog; the same object while it is current (its body is built once). */
  data(): Promise<StatusPageData>;
  /** What the daemon shows of itself, always current (a refused revision shows at once). */
  daemon(): PageDaemon | null;
  definitionRuns(name: string): Promise<PageRunDetail[]>;
}

/** The /api/page bodies of each set of handlers (one per HTTP server). */
const bodies = new WeakMap<PageHandlers, PageBodyCache>();

type Send = (res: ServerResponse, code: number, type: string, body: string | Buffer, headers?: Record<string, string>) => void;

const gzipAsync = promisify(gzip);
// Below this a response goes as it is: compressing costs more than it saves.
const GZIP_FROM_BYTES = 16 * 1024;

/** Serves `path` if it is one of the page's; false when it is not. */
export async function servePage(path: string, query: URLSearchParams, acceptsGzip: boolean, res: ServerResponse, page: PageHandlers, send: Send): Promise<boolean> {
  switch (path) {
    case '/':
    case '/index.html': {
      // With its data inlined: painted without a second request for it (page-body.ts).
      const body = await bodyOf(page);
      if (acceptsGzip) send(res, 200, 'text/html; charset=utf-8', await body.htmlGzipped, { 'content-encoding': 'gzip', vary: 'accept-encoding' });
      else send(res, 200, 'text/html; charset=utf-8', body.html, { vary: 'accept-encoding' });
      return true;
    }
    case '/assets/status-page.js':
      send(res, 200, 'text/javascript; charset=utf-8', statusPageAssets().script);
      return true;
    case '/assets/status-page.css':
      send(res, 200, 'text/css; charset=utf-8', statusPageAssets().style);
      return true;
    case '/api/page': {
      const body = await bodyOf(page);
      if (acceptsGzip) send(res, 200, 'application/json', await body.jsonGzipped(), { 'content-encoding': 'gzip', vary: 'accept-encoding' });
      else send(res, 200, 'application/json', body.json, { vary: 'accept-encoding' });
      return true;
    }
    case '/api/page/definition': {
      const name = query.get('name');
      if (!name) {
        send(res, 400, 'text/plain', 'name is required\n');
        return true;
      }
      await sendJson(res, { name, runs: await page.definitionRuns(name) }, acceptsGzip, send);
      return true;
    }
    default:
      return false;
  }
}

async function bodyOf(page: PageHandlers): Promise<PageBody> {
  let cache = bodies.get(page);
  if (!cache) bodies.set(page, (cache = new PageBodyCache()));
  return cache.of(await page.data(), page.daemon());
}

async function sendJson(res: ServerResponse, value: unknown, acceptsGzip: boolean, send: Send): Promise<void> {
  const text = JSON.stringify(value);
  if (!acceptsGzip || text.length < GZIP_FROM_BYTES) return send(res, 200, 'application/json', text);
  // In the thread pool: 10,000 definitions are megabytes of JSON, and the event loop serves /healthz meanwhile.
  send(res, 200, 'application/json', await gzipAsync(text), { 'content-encoding': 'gzip', vary: 'accept-encoding' });
}

/**
 * The page's data at most `maxAgeMs` old when asked again, else the previous data while a fresh read runs
 * (one at a time): reading 10,000 definitions takes seconds, and a page that polls every minute, or ten
 * people looking at once, should not each pay it. The page says as of when its data is.
 */
export function staleWhileRefreshing<T>(maxAgeMs: number, read: () => Promise<T>, now: () => number = Date.now): () => Promise<T> {
  let last: { value: T; at: number } | null = null;
  let pending: Promise<T> | null = null;
  const refresh = (): Promise<T> => (pending ??= read()
    .then((value) => {
      last = { value, at: now() };
      return value;
    })
    .finally(() => (pending = null)));
  return async () => {
    if (last === null) return refresh();
    if (now() - last.at >= maxAgeMs) refresh().catch(() => undefined); // the next request sees it, or the error
    return last.value;
  };
}
