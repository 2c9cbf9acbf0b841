// Which backup server's schedule this process manages: --server, else the one whose host is this
// machine, else the only one. Pure: the host names of this machine are passed in.
import type { BackupServerSpec } from './model.js';

export type ServerChoice = { server: string; how: string } | { server: null; note: string };

export function selectServer(
  servers: ReadonlyArray<{ name: string; spec: BackupServerSpec }>,
  requested: string | undefined,
  machineHostNames: readonly string[],
): ServerChoice | { error: string } {
  if (requested) {
    if (servers.some((s) => s.name === requested)) return { server: requested, how: '--server' };
    return { error: `--server ${requested}: no BackupServer of that name in the configuration (have: ${servers.map((s) => s.name).join(', ') || 'none'})` };
  }
  const names = new Set(machineHostNames.map((h) => h.toLowerCase()));
  const shortNames = new Set([...names].map((h) => h.split('.')[0]));
  const matching = servers.filter((s) => names.has(s.spec.host.toLowerCase()) || shortNames.has(s.spec.host.toLowerCase()));
  if (matching.length === 1) return { server: matching[0]!.name, how: `host ${matching[0]!.spec.host} is this machine` };
  if (matching.length > 1) return { error: `several BackupServers match this machine (${matching.map((s) => s.name).join(', ')}); choose one with --server` };
  if (servers.length === 1) return { server: servers[0]!.name, how: 'the only BackupServer' };
  return { server: null, note: `no BackupServer has this machine's host name (${machineHostNames[0] ?? '?'}); the plan covers the catalog only (use --server NAME to include a schedule)` };
}
