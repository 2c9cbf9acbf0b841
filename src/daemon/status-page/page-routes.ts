// The status page's routes on the daemon's HTTP server (docs/status-page.md): the page, its bundled script
// and style, and its data. Read-only: GET and HEAD only (the server refuses other methods before this).
import type { ServerResponse } from 'node:http';
import { gzip } from 'node:zlib';
import { promisify } from 'node:util';
import { statusPageAssets } from '../../adapters/fs/status-page-assets.js';
import { statusPageHtml } from '../../core/render/status-page-html.js';
import type { PageRunDetail, StatusPageData } from '../../core/reports/status-page-model.js';

export interface PageHandlers {
  data(): Promise<StatusPageData>;
  definitionRuns(name: string): Promise<PageRunDetail[]>;
}

type Send = (res: ServerResponse, code: number, type: string, body: string | Buffer, headers?: Record<string, string>) => void;

const gzipAsync = promisify(gzip);
// Below this a response goes as it is: compressing costs more than it saves.
const GZIP_FROM_BYTES = 16 * 1024;

/** Serves `path` if it is one of the page's; false when it is not. */
export async function servePage(path: string, query: URLSearchParams, acceptsGzip: boolean, res: ServerResponse, page: PageHandlers, send: Send): Promise<boolean> {
  switch (path) {
    case '/':
    case '/index.html':
      send(res, 200, 'text/html; charset=utf-8', statusPageHtml({ mode: 'served', scriptUrl: 'assets/status-page.js', styleUrl: 'assets/status-page.css' }));
      return true;
    case '/assets/status-page.js':
      send(res, 200, 'text/javascript; charset=utf-8', statusPageAssets().script);
      return true;
    case '/assets/status-page.css':
      send(res, 200, 'text/css; charset=utf-8', statusPageAssets().style);
      return true;
    case '/api/page':
      await sendJson(res, await page.data(), acceptsGzip, send);
      return true;
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

async function sendJson(res: ServerResponse, value: unknown, acceptsGzip: boolean, send: Send): Promise<void> {
  const text = JSON.stringify(value);
  if (!acceptsGzip || text.length < GZIP_FROM_BYTES) return send(res, 200, 'application/json', text);
  // In the thread pool: 10,000 definitions are megabytes of JSON, and the event loop serves /healthz meanwhile.
  send(res, 200, 'application/json', await gzipAsync(text), { 'content-encoding': 'gzip', vary: 'accept-encoding' });
}

/** Coalesces concurrent reads: while one is under way, every request waits for that one. */
export function coalesced<T>(read: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | null = null;
  return () => (pending ??= read().finally(() => (pending = null)));
}
