// What holds a port a restored PostgreSQL server is to be started on (src/adapters/os/port-holder.ts), with
// real sockets: TCP listeners on one address of each family (a wildcard bind of that family finds them), a
// Unix socket something accepts on, a PostgreSQL lock file naming a live process, and the stale leftovers
// PostgreSQL itself replaces (a socket nobody accepts on, a lock of a process that is gone).
import { createServer, type Server } from 'node:net';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { lstatSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { portHolder } from '../../../src/adapters/os/port-holder.js';

const servers: Server[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function listen(options: { port: number; host: string; ipv6Only?: boolean } | { path: string }): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(options, () => { servers.push(server); resolve(server); });
  });
}

function socketDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ph-'));
  dirs.push(dir);
  return dir;
}

describe('portHolder', () => {
  it('a port nothing holds is free', async () => {
    const probe = await listen({ port: 0, host: '127.0.0.1' });
    const port = (probe.address() as { port: number }).port;
    await new Promise((r) => probe.close(r));
    servers.length = 0;
    expect(await portHolder(port, socketDir())).toBeNull();
  });

  it('a TCP listener on 127.0.0.1 only, or on ::1 only, holds the port', async () => {
    const v4 = (await listen({ port: 0, host: '127.0.0.1' })).address() as { port: number };
    expect(await portHolder(v4.port, socketDir())).toBe(`something listens on TCP port ${v4.port} (IPv4)`);
    const v6 = await listen({ port: 0, host: '::1', ipv6Only: true }).catch(() => null);
    if (v6) {
      const port = (v6.address() as { port: number }).port;
      expect(await portHolder(port, socketDir())).toBe(`something listens on TCP port ${port} (IPv6)`);
    }
  });

  it('a Unix socket .s.PGSQL.<port> something accepts on holds it; a stale socket file does not', async () => {
    const dir = socketDir();
    const socket = join(dir, '.s.PGSQL.54329');
    const server = await listen({ path: socket });
    expect(await portHolder(54329, dir)).toBe(`a server accepts connections on the Unix socket ${socket}`);
    await new Promise((r) => server.close(r));
    servers.length = 0;
    // A server killed with -9 leaves its socket file behind: a socket nobody accepts on.
    const child = spawn(process.execPath, ['-e', `require('node:net').createServer().listen(${JSON.stringify(socket)}, () => console.log('up'))`], { stdio: ['ignore', 'pipe', 'inherit'] });
    await once(child.stdout!, 'data');
    child.kill('SIGKILL');
    await once(child, 'exit');
    expect(lstatSync(socket).isSocket()).toBe(true);
    expect(await portHolder(54329, dir)).toBeNull();
  });

  it("a lock file naming a live process holds it (PostgreSQL's own test); a dead one's does not", async () => {
    const dir = socketDir();
    writeFileSync(join(dir, '.s.PGSQL.54330.lock'), `${process.pid}\n${dir}\n`);
    expect(await portHolder(54330, dir)).toBe(`a PostgreSQL server (PID ${process.pid}) holds the Unix socket ${join(dir, '.s.PGSQL.54330')}`);
    writeFileSync(join(dir, '.s.PGSQL.54330.lock'), `2147483646\n${dir}\n`);
    expect(await portHolder(54330, dir)).toBeNull();
  });
});
