// pg, which most commands load, asks on load whether it runs in Cloudflare Workers: it reads
// navigator.userAgent and, where there is no `navigator`, constructs a fetch Response instead, which makes
// Node 20 load its whole fetch implementation (undici): some 40 ms of every start, which a cron job's
// `pgbackops run` adds to its pg_dump. Node 21 and later define `navigator` themselves; on Node 20 the one
// property pg reads answers it at once.
// A module of its own, which bin/pgbackops.js imports before any bundle: a bundle that holds pg statically
// (main-run.ts) evaluates pg while its modules load, before any function of the command line runs.
// command-line.ts imports it too, for a command line started otherwise (the manual page's generator).
if (typeof (globalThis as { navigator?: unknown }).navigator === 'undefined') {
  const userAgent = `Node.js/${process.versions.node.split('.')[0]}`;
  Object.defineProperty(globalThis, 'navigator', { value: { userAgent }, configurable: true, writable: true, enumerable: false });
}

export {};
