// Which backup server's schedule this process manages: --server, else the one whose host is this
// machine, else the only one. Pure: the host names of this machine are passed in.
//
// A server removed from the configuration is still a candidate (marked `removed`, its spec from the catalog
// or from what this state directory remembers): its schedule must be emptied on its own machine, by apply
// and by the daemon there. It is only chosen by name or by host, never as "the only one".
import type { BackupServerSpec } from './model.js';

export interface ServerCandidate {
  name: string;
  spec: BackupServerSpec;
  /** Set when the server is not in the configuration: why it is still known, in words. */
  removed?: string;
}

export type ServerChoice = { server: string; how: string; removed?: string } | { server: null; note: string };

export function selectServer(
  servers: readonly ServerCandidate[],
  requested: string | undefined,
  machineHostNames: readonly string[],
): ServerChoice | { error: string } {
  const configured = servers.filter((s) => s.removed === undefined);
  if (requested) {
    const found = servers.find((s) => s.name === requested);
    if (found) return chosen(found, '--server');
    return { error: `--server ${requested}: no BackupServer of that name in the configuration (have: ${configured.map((s) => s.name).join(', ') || 'none'})` };
  }
  const names = new Set(machineHostNames.map((h) => h.toLowerCase()));
  const shortNames = new Set([...names].map((h) => h.split('.')[0]));
  const isThisMachine = (s: ServerCandidate) => names.has(s.spec.host.toLowerCase()) || shortNames.has(s.spec.host.toLowerCase());
  // A configured server that is this machine wins over one removed from it (a server renamed in place).
  for (const group of [configured, servers.filter((s) => s.removed !== undefined)]) {
    const matching = group.filter(isThisMachine);
    if (matching.length === 1) return chosen(matching[0]!, `host ${matching[0]!.spec.host} is this machine`);
    if (matching.length > 1) return { error: `several BackupServers match this machine (${matching.map((s) => s.name).join(', ')}); choose one with --server` };
  }
  if (configured.length === 1) return chosen(configured[0]!, 'the only BackupServer');
  return { server: null, note: `no BackupServer has this machine's host name (${machineHostNames[0] ?? '?'}); the plan covers the catalog only (use --server NAME to include a schedule)` };
}

function chosen(s: ServerCandidate, how: string): ServerChoice {
  return s.removed === undefined ? { server: s.name, how } : { server: s.name, how: `${how}; ${s.removed}`, removed: s.removed };
}
