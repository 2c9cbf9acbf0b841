// A TCP port nothing listens on now, on any local address: where a trial restore starts its throwaway cluster
// (verify --restore), whose listen_addresses comes with the backup's files. The kernel picks it (listen on port
// 0 of the wildcard address, dual-stack where there is IPv6) and the socket is closed at once; the restore then
// checks it as any --start port (port-holder.ts), and the start reports the rare race of another process
// taking it in between.
import { createServer } from 'node:net';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
