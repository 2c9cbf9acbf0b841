// A TCP port nothing listens on now, on the loopback interface: where a trial restore starts its throwaway
// cluster (verify --restore). The kernel picks it (listen on port 0) and the socket is closed at once, so the
// caller must be ready for the rare race of another process taking it first (pg_ctl then fails to start).
import { createServer } from 'node:net';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
