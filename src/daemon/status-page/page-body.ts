// GET /api/page's body and the page itself (GET /, its first data inlined), serialised and compressed once per
// version of the page's data (docs/status-page.md). With 10,000 definitions the data is ~11 MiB of JSON:
// serialising and gzipping it for every request held the event loop for hundreds of milliseconds per page
// load, and a page that fetched its data after its script started painted seconds after the written file
// (which parses the same data inlined). Here both bodies are built when the data or the daemon's own part
// changes: the definitions (nearly all of it) a slice at a time with the event loop free in between, the gzip
// in the thread pool; every request in between gets the same bytes.
import { setImmediate as nextTurn } from 'node:timers/promises';
import { gzip } from 'node:zlib';
import { promisify } from 'node:util';
import { scriptElementText, statusPageHtml } from '../../core/render/status-page-html.js';
import type { PageDaemon, StatusPageData } from '../../core/reports/status-page-model.js';

const gzipAsync = promisify(gzip);

/** Definitions serialised between two turns of the event loop (a few milliseconds of work). */
const DEFINITIONS_PER_SLICE = 500;

export interface PageBody {
  json: Buffer;
  /** The same, gzipped (on the first request that accepts it). */
  jsonGzipped(): Promise<Buffer>;
  /** The page (GET /) with the data inlined. */
  html: Buffer;
  /** The same, gzipped: started with the body, for the browsers that load the page. */
  htmlGzipped: Promise<Buffer>;
}

/** Where the page's assets and newer data are, relative to the page. */
const SERVED_PAGE = { scriptUrl: 'assets/status-page.js', styleUrl: 'assets/status-page.css', refreshUrl: 'api/page' };
/** Stands for the inlined data while the page around it is rendered (no NUL in HTML otherwise). */
const DATA_MARK = '\u0000data\u0000';

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

/**
 * The data with `daemon` in it, the definitions last (one JSON object, as JSON.stringify would write it), and
 * the page with that JSON as the text of its data element.
 */
async function buildBody(data: StatusPageData, daemonJson: string): Promise<PageBody> {
  const { definitions, daemon: _ignored, ...rest } = data;
  const [pageBefore, pageAfter] = statusPageHtml({
    mode: 'served', scriptUrl: SERVED_PAGE.scriptUrl, styleUrl: SERVED_PAGE.styleUrl, data: { dataText: DATA_MARK, refreshUrl: SERVED_PAGE.refreshUrl },
  }).split(DATA_MARK) as [string, string];
  const json: Buffer[] = [];
  const html: Buffer[] = [Buffer.from(pageBefore)];
  const add = (text: string) => {
    json.push(Buffer.from(text));
    html.push(Buffer.from(scriptElementText(text)));
  };
  const head = JSON.stringify(rest);
  add(`${head.slice(0, -1)}${head.length > 2 ? ',' : ''}"daemon":${daemonJson},"definitions":[`);
  for (let start = 0; start < definitions.length; start += DEFINITIONS_PER_SLICE) {
    if (start > 0) await nextTurn();
    const slice = JSON.stringify(definitions.slice(start, start + DEFINITIONS_PER_SLICE));
    add(`${start > 0 ? ',' : ''}${slice.slice(1, -1)}`);
  }
  add(']}');
  html.push(Buffer.from(pageAfter));
  const jsonBody = Buffer.concat(json);
  const htmlBody = Buffer.concat(html);
  let jsonGzipped: Promise<Buffer> | null = null;
  const htmlGzipped = gzipAsync(htmlBody);
  htmlGzipped.catch(() => undefined); // awaited by the requests that want it; unhandled otherwise
  return { json: jsonBody, jsonGzipped: () => (jsonGzipped ??= gzipAsync(jsonBody)), html: htmlBody, htmlGzipped };
}
