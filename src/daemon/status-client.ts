// Reading a running daemon's /status, for `pgbackops status --daemon URL` and scripts.
import type { HealthStateId } from '../core/reports/definition-health.js';
import { DEFAULT_LISTEN } from './default-listen.js';
import type { StanzaCheckStatus } from '../core/methods/pgbackrest/stanza-check.js';
import { formatStatusCursor } from '../core/reports/page-cursor.js';
import { DEFAULT_STATUS_LIMIT, type StatusPageRequest } from '../core/reports/status-order.js';

/**
 * The fields of /status that `status --daemon` shows, in the JSON contract's spelling (docs/cli.md, "JSON
 * output"; schemas/output/daemon-status.schema.json has them all).
 */
export interface DaemonStatusDocument {
  format_version: string;
  pgbackops_version: string;
  revision: string | null;
  ready: boolean;
  held_back: string[];
  summary: Partial<Record<HealthStateId, number>>;
  /** One page of them, problems first (status-order.ts). */
  definitions: Array<{ name: string; state: HealthStateId; reason: string; last_success_at: string | null }>;
  /** The next page's cursor (`?after=`), null on the last page; absent from daemons before paging. */
  next_after?: string | null;
  /** The last check of each pgBackRest stanza of this server's nodes (absent from daemons before it). */
  pgbackrest_stanzas?: StanzaCheckStatus[];
  [field: string]: unknown;
}

/**
 * `authorization`: the header value when the daemon requires credentials (--http-auth-file); `page`: which
 * definitions to list (`?limit=&after=&state=`), the daemon's default page when absent.
 */
export async function fetchDaemonStatus(baseUrl: string, timeoutMs = 10_000, authorization?: string, page?: StatusPageRequest): Promise<DaemonStatusDocument> {
  let url: URL;
  try {
    url = new URL('/status', baseUrl);
    if (page) {
      if (page.limit !== DEFAULT_STATUS_LIMIT) url.searchParams.set('limit', String(page.limit));
      if (page.after) url.searchParams.set('after', formatStatusCursor(page.after));
      if (page.state) url.searchParams.set('state', page.state);
    }
  } catch {
    throw new Error(`--daemon must be the daemon's base URL, such as http://${DEFAULT_LISTEN}, not ${JSON.stringify(baseUrl)}`);
  }
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), ...(authorization ? { headers: { authorization } } : {}) });
  } catch (err) {
    // fetch says only "fetch failed"; the reason (ECONNREFUSED, ENOTFOUND, a timeout) is in its cause.
    const cause = (err as Error & { cause?: Error & { code?: string } }).cause;
    const why = (err as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs / 1000} s` : cause?.code ?? cause?.message ?? (err as Error).message;
    throw new Error(`cannot reach the daemon at ${url.origin}: ${why}. Next step: check that \`pgbackops daemon\` runs and listens there (its --listen, default ${DEFAULT_LISTEN}), or leave out --daemon to read the catalog`);
  }
  if (!res.ok) throw new Error(`the daemon at ${url} answered ${res.status} ${res.statusText}`);
  return (await res.json()) as DaemonStatusDocument;
}
