// A file of its own: `status --daemon` and the daemon command name it without loading the HTTP server.
/**
 * Where the daemon listens unless --listen says otherwise: loopback, and a port outside 9100-9999, the range
 * of Prometheus's exporter port allocations (full since 2023; 9187 there is postgres_exporter's, which often
 * runs on the same host as a backup server). docs/monitoring.md, "Metrics".
 */
export const DEFAULT_LISTEN = '127.0.0.1:7963';
