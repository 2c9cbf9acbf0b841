// The daemon's HTTP endpoints (default 127.0.0.1:7963, default-listen.ts; loopback only unless --listen says otherwise):
//   GET  /healthz     200 while the process runs
//   GET  /readyz      200 when the catalog is reachable and the last full pass was ok, else 503
//   GET  /metrics     Prometheus text
//   GET  /status      JSON: revision, last pass, per-definition health
//   GET  /            the status page (status-page/page-routes.ts: its assets and GET /api/page data)
//   POST /hooks/git   HMAC-signed webhook: triggers a full pass (401 without a valid signature)
// With --http-auth-file every path but /healthz, /readyz and /hooks/git needs credentials (status-page/http-auth.ts).
// Every response carries the status page's Content-Security-Policy and the headers that keep it read-only.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../adapters/logger.js';
import { STATUS_PAGE_CSP } from '../core/render/status-page-html.js';
import { CHALLENGE, isAuthorised, OPEN_PATHS, type HttpAuth } from './status-page/http-auth.js';
import { servePage, type PageHandlers } from './status-page/page-routes.js';
import { isValidSignature } from './webhook-signature.js';
import { PgbackopsError } from '../core/errors.js';

/** A JSON object with one long list (the per-definition health of /status), sent a slice at a time. */
export interface JsonWithList {
  fields: Record<string, unknown>;
  listKey: string;
  /**
   * The list, serialised: each slice is the JSON text of consecutive items joined by `,\n    ` (one item per
   * line). Serialised by the caller, which may keep slices that did not change (status-health-list.ts).
   */
  listSlices: readonly (string | Buffer)[];
}

export interface HttpHandlers {
  ready(): Promise<{ ok: boolean; why: string }>;
  metrics(): Promise<{ contentType: string; body: string }>;
  /** `query`: the request's parameters (`?limit=&after=&state=`, a page of the definitions); a string: why they are wrong. */
  status(query: URLSearchParams): Promise<JsonWithList | string>;
  /** The webhook secret, or null when webhooks are off (then /hooks/git answers 404). */
  webhookSecret(): string | null;
  onWebhook(): void;
  /** The status page's data; without it the page is not served. */
  page?: PageHandlers;
  /** The credentials every path but OPEN_PATHS needs, or null when none are configured. */
  auth?(): HttpAuth | null;
}

const SECURITY_HEADERS = {
  'content-security-policy': STATUS_PAGE_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-resource-policy': 'same-origin',
};

const MAX_WEBHOOK_BYTES = 1024 * 1024;

export function parseListen(listen: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(listen);
  if (!m) throw new Error(`--listen must be HOST:PORT, got ${listen}`);
  const port = Number(m[3]);
  if (port > 65535) throw new Error(`--listen port out of range: ${listen}`);
  return { host: m[1] ?? (m[2] || '127.0.0.1'), port };
}

/** The HTTP endpoints cannot listen; the code is the errno (EADDRINUSE, EACCES, EADDRNOTAVAIL: docs/errors.md). */
export class DaemonListenError extends PgbackopsError {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

/** Why the HTTP endpoints cannot listen, and what to do: the errno alone (EADDRINUSE) says neither. */
function listenError(listen: string, err: Error & { code?: string }): DaemonListenError {
  const why = err.code === 'EADDRINUSE'
    ? 'the address is in use (another pgbackops daemon, or another program: `ss -ltnp` shows which)'
    : err.code === 'EACCES'
      ? 'permission denied (ports below 1024 need privileges)'
      : err.code === 'EADDRNOTAVAIL'
        ? 'no interface of this machine has that address'
        : err.message;
  return new DaemonListenError(err.code ?? 'E_DAEMON_LISTEN', `cannot listen on ${listen} for the health, metrics and status endpoints: ${why}. Next step: stop the other program or choose another --listen`);
}

export async function startHttpServer(listen: string, handlers: HttpHandlers, logger: Logger): Promise<{ server: Server; address: string }> {
  const { host, port } = parseListen(listen);
  const server = createServer((req, res) => {
    route(req, res, handlers, logger).catch((err: Error) => {
      logger.error({ err: err.message, url: req.url }, 'HTTP handler failed');
      if (!res.headersSent) send(res, 500, 'text/plain', 'internal error\n');
      else res.end();
    });
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: Error & { code?: string }) => reject(listenError(listen, err)));
    server.listen(port, host, () => resolve());
  });
  const a = server.address() as AddressInfo;
  const address = `${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`;
  logger.info({ address }, 'HTTP listening');
  return { server, address };
}

async function route(req: IncomingMessage, res: ServerResponse, h: HttpHandlers, logger: Logger): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://daemon');
  const path = url.pathname;
  const auth = h.auth?.() ?? null;
  if (auth && !OPEN_PATHS.has(path) && !isAuthorised(auth, req.headers.authorization)) {
    return send(res, 401, 'text/plain', 'authentication required (see --http-auth-file)\n', { 'www-authenticate': CHALLENGE });
  }
  if (req.method === 'POST' && path === '/hooks/git') return webhook(req, res, h, logger);
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain', 'method not allowed\n');
  const gzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
  if (h.page && (await servePage(path, url.searchParams, gzip, res, h.page, send))) return;
  switch (path) {
    case '/healthz':
      return send(res, 200, 'text/plain', 'ok\n');
    case '/readyz': {
      const r = await h.ready();
      return send(res, r.ok ? 200 : 503, 'text/plain', `${r.ok ? 'ready' : 'not ready'}: ${r.why}\n`);
    }
    case '/metrics': {
      const m = await h.metrics();
      return send(res, 200, m.contentType, m.body);
    }
    case '/status': {
      const body = await h.status(url.searchParams);
      return typeof body === 'string' ? send(res, 400, 'text/plain', `${body}\n`) : sendJsonWithList(res, body);
    }
    default:
      return send(res, 404, 'text/plain', 'not found\n');
  }
}

async function webhook(req: IncomingMessage, res: ServerResponse, h: HttpHandlers, logger: Logger): Promise<void> {
  const secret = h.webhookSecret();
  if (secret === null) return send(res, 404, 'text/plain', 'webhooks are not enabled (--webhook-secret-file)\n');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_WEBHOOK_BYTES) return send(res, 413, 'text/plain', 'payload too large\n');
    chunks.push(chunk as Buffer);
  }
  const header = req.headers['x-hub-signature-256'];
  if (!isValidSignature(secret, Buffer.concat(chunks), Array.isArray(header) ? header[0] : header)) {
    logger.warn({ remote: req.socket.remoteAddress }, 'webhook refused: missing or bad signature');
    return send(res, 401, 'text/plain', 'bad or missing X-Hub-Signature-256\n');
  }
  h.onWebhook();
  return send(res, 202, 'text/plain', 'pass triggered\n');
}

/** Items written between two turns of the event loop: about a millisecond of work. */
export const ITEMS_PER_SLICE = 250;

/** A list as JsonWithList's slices, ITEMS_PER_SLICE items each. */
export function jsonListSlices(list: readonly unknown[], perSlice = ITEMS_PER_SLICE): string[] {
  const slices: string[] = [];
  for (let start = 0; start < list.length; start += perSlice) {
    slices.push(list.slice(start, start + perSlice).map((item) => JSON.stringify(item)).join(JSON_LIST_SEPARATOR));
  }
  return slices;
}

/** Between two items of a JsonWithList: each item on its own line. */
export const JSON_LIST_SEPARATOR = ',\n    ';

/** Lets timers, /healthz and webhooks run between slices of a long computation or response. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Writes `fields` (indented) and the list (one item per line) as one JSON object, a slice of the list at a time
 * with the event loop free in between, and waiting for the socket when the client reads slowly: serialising
 * 10,000 definitions at once held the loop for a second and doubled the process's memory for the string.
 */
async function sendJsonWithList(res: ServerResponse, body: JsonWithList): Promise<void> {
  res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store', ...SECURITY_HEADERS });
  const head = JSON.stringify(body.fields, null, 2);
  res.write(`${head.length > 2 ? `${head.slice(0, -2)},\n` : '{\n'}  ${JSON.stringify(body.listKey)}: [`);
  for (const [i, slice] of body.listSlices.entries()) {
    res.write(i > 0 ? JSON_LIST_SEPARATOR : '\n    ');
    const flushed = res.write(slice);
    if (res.destroyed) return;
    if (!flushed) await new Promise((resolve) => res.once('drain', resolve));
    else await yieldToEventLoop();
  }
  res.end(`${body.listSlices.length > 0 ? '\n  ' : ''}]\n}\n`);
}

function send(res: ServerResponse, code: number, type: string, body: string | Buffer, headers: Record<string, string> = {}): void {
  res.writeHead(code, { 'content-type': type, 'cache-control': 'no-store', ...SECURITY_HEADERS, ...headers });
  res.end(body);
}
