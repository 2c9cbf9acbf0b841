// Whether a PostgreSQL server could start on a port now: what already holds it, or null. PostgreSQL needs the
// port twice: a TCP listener on each address of its listen_addresses, and the Unix socket `.s.PGSQL.<port>` in
// its socket directory (with its `.lock`). A restored copy's listen_addresses comes with the backup's files and
// is not known before they are extracted, so TCP counts on any local address: a bind on the wildcard address of
// each family fails (EADDRINUSE) when anything listens on that port on any address of that family. The bind
// sets SO_REUSEADDR as PostgreSQL does, so connections lingering in TIME_WAIT do not count. In the socket
// directory, a server is there when the socket's lock file names a live process (PostgreSQL's own test: it
// replaces a stale socket and lock), or, without a lock, when something accepts on the socket (which PostgreSQL
// would unlink: another program's socket of that name; one it may not connect to counts too). The lock is read first: a connection to a
// PostgreSQL server that sends nothing leaves "incomplete startup packet" in its log.
import { lstat, readFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import { processState } from './process-alive.js';

/** What holds the port: a TCP listener (by address family) or a live Unix socket (its path); null when free. */
export async function portHolder(port: number, socketDirectory: string): Promise<string | null> {
  for (const host of ['0.0.0.0', '::']) {
    if (await tcpTaken(port, host)) return `something listens on TCP port ${port} (${host === '::' ? 'IPv6' : 'IPv4'})`;
  }
  const socket = join(socketDirectory, `.s.PGSQL.${port}`);
  const lockPid = Number((await readFile(`${socket}.lock`, 'utf8').catch(() => '')).split('\n')[0]);
  // A zombie counts here: PostgreSQL's own test (kill 0) takes it for a running server and would not start.
  if (processState(lockPid) !== 'gone') return `a PostgreSQL server (PID ${lockPid}) holds the Unix socket ${socket}`;
  const accepts = await socketAccepts(socket);
  if (accepts === true) return `a server accepts connections on the Unix socket ${socket}`;
  if (accepts !== false) return `the Unix socket ${socket} exists and cannot be tried (${accepts}): its owner may be running`;
  return null;
}

/** True when binding the wildcard address of that family on the port fails because it is in use. */
function tcpTaken(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    // EAFNOSUPPORT/EADDRNOTAVAIL (no IPv6 here), EACCES (a privileged port): not "in use"; the start says the rest.
    server.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'EADDRINUSE'));
    server.listen({ port, host, ipv6Only: host === '::', exclusive: true }, () => server.close(() => resolve(false)));
  });
}

/**
 * True when something accepts on the socket; false when there is none or nobody listens (ECONNREFUSED: a
 * killed server's leftover); otherwise the errno (EACCES: another user's socket, unknown whether live).
 */
async function socketAccepts(path: string): Promise<boolean | string> {
  const entry = await lstat(path).catch(() => null);
  if (!entry?.isSocket()) return false;
  return new Promise((resolve) => {
    const client = connect(path);
    client.once('connect', () => { client.destroy(); resolve(true); });
    client.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED' || err.code === 'ENOENT' ? false : err.code ?? err.message));
  });
}
