// GET /api/page's body, serialised and compressed once per version of the page's data (docs/status-page.md).
// With 10,000 definitions the document is ~11 MiB of JSON: serialising it (and gzipping it) for every request
// held the event loop for hundreds of milliseconds per page load, which made the served page paint seconds
// after the written file (the same data). Here a body is built when the data or the daemon's own part changes:
// the definitions (nearly all of it) a slice at a time with the event loop free in between, the gzip in the
// thread pool; every request in between gets the same bytes.
import { setImmediate as nextTurn } from 'node:timers/promises';
import { gzip } from 'node:zlib';
import { promisify } from 'node:util';
import type { PageDaemon, StatusPageData } from '../../core/reports/status-page-model.js';

const gzipAsync = promisify(gzip);

/** Definitions serialised between two turns of the event loop (a few milliseconds of work). */
const DEFINITIONS_PER_SLICE = 500;

export interface PageBody {
  json: Buffer;
  /** The same, gzipped; started with the body, awaited by the requests that accept gzip. */
  gzipped: Promise<Buffer>;
}

/** The body of the last data and daemon part asked for; a body being built is shared by every request. */
export class PageBodyCache {
  private last: { data: StatusPageData; daemon: string; body: Promise<PageBody> } | null = null;

  of(data: StatusPageData, daemon: PageDaemon | null): Promise<PageBody> {
    const daemonJson = JSON.stringify(daemon);
    if (this.last?.data === data && this.last.daemon === daemonJson) return this.last.body;
    const body = buildBody(data, daemonJson);
    const entry = { data, daemon: daemonJson, body };
    this.last = entry;
    // A failed build is not remembered: the next request tries again.
    body.catch(() => {
      if (this.last === entry) this.last = null;
    });
    return body;
  }
}

/** The data with `daemon` in it, the definitions last: one JSON object, as JSON.stringify would write it. */
async function buildBody(data: StatusPageData, daemonJson: string): Promise<PageBody> {
  const { definitions, daemon: _ignored, ...rest } = data;
  const head = JSON.stringify(rest);
  const parts: Buffer[] = [Buffer.from(`${head.slice(0, -1)}${head.length > 2 ? ',' : ''}"daemon":${daemonJson},"definitions":[`)];
  for (let start = 0; start < definitions.length; start += DEFINITIONS_PER_SLICE) {
    if (start > 0) await nextTurn();
    const slice = JSON.stringify(definitions.slice(start, start + DEFINITIONS_PER_SLICE));
    parts.push(Buffer.from(`${start > 0 ? ',' : ''}${slice.slice(1, -1)}`));
  }
  parts.push(Buffer.from(']}'));
  const json = Buffer.concat(parts);
  const gzipped = gzipAsync(json);
  gzipped.catch(() => undefined); // awaited by the requests that want it; unhandled otherwise
  return { json, gzipped };
}
