// Reading a running daemon's /status, for `pgbackops status --daemon URL` and scripts.
import type { DaemonStatus } from './daemon-status.js';
import type { DefinitionHealth } from '../core/reports/definition-health.js';

export interface DaemonStatusDocument extends DaemonStatus {
  revision: string | null;
  ready: boolean;
  summary: Record<string, number>;
  definitions: Array<DefinitionHealth & { lastSuccessAt: string | null; lastFailureAt: string | null; lastStatus: string | null }>;
  builtinJobs: string[] | null;
  runningJobs: number;
}

/** `authorization`: the header value when the daemon requires credentials (--http-auth-file). */
export async function fetchDaemonStatus(baseUrl: string, timeoutMs = 10_000, authorization?: string): Promise<DaemonStatusDocument> {
  const url = new URL('/status', baseUrl);
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), ...(authorization ? { headers: { authorization } } : {}) });
  if (!res.ok) throw new Error(`${url} answered ${res.status} ${res.statusText}`);
  return (await res.json()) as DaemonStatusDocument;
}
