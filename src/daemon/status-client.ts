// Reading a running daemon's /status, for `pgbackops status --daemon URL` and scripts.
import type { HealthStateId } from '../core/reports/definition-health.js';
import { DEFAULT_LISTEN } from './default-listen.js';
import type { StanzaCheckStatus } from '../core/methods/pgbackrest/stanza-check.js';

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
  definitions: Array<{ name: string; state: HealthStateId; reason: string; last_success_at: string | null }>;
  /** The last check of each pgBackRest stanza of this server's nodes (absent from daemons before it). */
  pgbackrest_stanzas?: StanzaCheckStatus[];
  [field: string]: unknown;
}

/** `authorization`: the header value when the daemon requires credentials (--http-auth-file). */
export async function fetchDaemonStatus(baseUrl: string, timeoutMs = 10_000, authorization?: string): Promise<DaemonStatusDocument> {
  let url: URL;
  try {
    url = new URL('/status', baseUrl);
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
