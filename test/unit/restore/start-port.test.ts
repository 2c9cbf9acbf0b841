// The port of a restored cluster (src/core/restore/start-port.ts): the refusal's message, and the lines of a
// PostgreSQL 15 server's log that say its port was taken when it started (as pg_ctl start writes them).
import { describe, expect, it } from 'vitest';
import { PORT_IN_USE, portInUseMessage, portTakenIn } from '../../../src/core/restore/start-port.js';

describe('start port', () => {
  it('the refusal names the port and its holder, and says nothing was done', () => {
    expect(PORT_IN_USE).toBe('E_RESTORE_PORT_IN_USE');
    expect(portInUseMessage(5433, 'something listens on TCP port 5433 (IPv4)'))
      .toBe('port 5433 is in use (something listens on TCP port 5433 (IPv4)): the restored cluster could not start on it. Nothing was read or written; choose another port, or stop what holds it');
  });

  it('a TCP bind that failed is found in the log', () => {
    const log = [
      '2026-12-06 11:40:01.123 UTC [4242] LOG:  starting PostgreSQL 15.10 on x86_64-pc-linux-gnu',
      '2026-12-06 11:40:01.124 UTC [4242] LOG:  could not bind IPv4 address "127.0.0.1": Address already in use',
      '2026-12-06 11:40:01.124 UTC [4242] HINT:  Is another postmaster already running on port 5433? If not, wait a few seconds and retry.',
      '2026-12-06 11:40:01.124 UTC [4242] WARNING:  could not create listen socket for "localhost"',
      '2026-12-06 11:40:01.124 UTC [4242] FATAL:  could not create any TCP/IP sockets',
    ].join('\n');
    expect(portTakenIn(log)).toBe('2026-12-06 11:40:01.124 UTC [4242] LOG:  could not bind IPv4 address "127.0.0.1": Address already in use');
  });

  it("another postmaster's socket lock is found in the log", () => {
    const log = [
      '2026-12-06 11:40:01.124 UTC [4243] FATAL:  lock file "/tmp/.s.PGSQL.5433.lock" already exists',
      '2026-12-06 11:40:01.124 UTC [4243] HINT:  Is another postmaster (PID 4100) using socket file "/tmp/.s.PGSQL.5433"?',
    ].join('\n');
    expect(portTakenIn(log)).toBe('2026-12-06 11:40:01.124 UTC [4243] FATAL:  lock file "/tmp/.s.PGSQL.5433.lock" already exists');
  });

  it("another user's socket lock, which the server cannot remove from /tmp, is found in the log", () => {
    const log = '2026-12-06 11:45:03.642 UTC [23400] FATAL:  could not remove old lock file "/tmp/.s.PGSQL.40039.lock": Operation not permitted';
    expect(portTakenIn(log)).toBe(log);
  });

  it('a recovery failure is not a port taken', () => {
    expect(portTakenIn('LOG:  redo starts at 0/2000028\nFATAL:  recovery ended before configured recovery target was reached')).toBeNull();
    expect(portTakenIn('FATAL:  lock file "postmaster.pid" already exists')).toBeNull();
  });
});
