// Messages below are verbatim stderr of pg_dump / libpq (PostgreSQL 15 and older formats); the integration
// test test/integration/dump/failures.test.ts provokes the same failures for real.
import { describe, expect, it } from 'vitest';
import { classifyFailure, classifyJobError, type FailureReason } from '../../../src/core/dump/classify-failure.js';

const failed = (stderr: string) => ({ exitCode: 1, signal: null, stderr, timedOut: false });

const CASES: Array<[FailureReason, string, string]> = [
  [
    'cannot-connect',
    'pg_dump: error: connection to server at "127.0.0.1", port 1 failed: Connection refused\n\tIs the server running on that host and accepting TCP/IP connections?\n',
    'pg_dump: error: connection to server at "127.0.0.1", port 1 failed: Connection refused Is the server running on that host and accepting TCP/IP connections?',
  ],
  [
    'cannot-connect',
    'pg_dump: error: connection to server on socket "/tmp/.s.PGSQL.5499" failed: No such file or directory\n\tIs the server running locally and accepting connections on that socket?\n',
    'pg_dump: error: connection to server on socket "/tmp/.s.PGSQL.5499" failed: No such file or directory Is the server running locally and accepting connections on that socket?',
  ],
  [
    'cannot-connect',
    'pg_dump: [archiver (db)] connection to database "app" failed: could not connect to server: Connection refused\n',
    'pg_dump: [archiver (db)] connection to database "app" failed: could not connect to server: Connection refused',
  ],
  [
    'cannot-connect',
    'pg_dump: error: could not translate host name "nowhere.invalid" to address: Name or service not known\n',
    'pg_dump: error: could not translate host name "nowhere.invalid" to address: Name or service not known',
  ],
  ['cannot-connect', 'pg_dump: error: connection to server at "10.0.0.1", port 5432 failed: timeout expired\n', 'pg_dump: error: connection to server at "10.0.0.1", port 5432 failed: timeout expired'],
  [
    'cannot-connect',
    'pg_dump: error: connection to server at "127.0.0.1", port 5432 failed: FATAL:  the database system is starting up\n',
    'pg_dump: error: connection to server at "127.0.0.1", port 5432 failed: FATAL:  the database system is starting up',
  ],
  [
    'auth-failed',
    'pg_dump: error: connection to server at "127.0.0.1", port 5433 failed: FATAL:  password authentication failed for user "app_user"\n',
    'pg_dump: error: connection to server at "127.0.0.1", port 5433 failed: FATAL:  password authentication failed for user "app_user"',
  ],
  [
    'auth-failed',
    'pg_dump: error: connection to server at "127.0.0.1", port 5433 failed: fe_sendauth: no password supplied\n',
    'pg_dump: error: connection to server at "127.0.0.1", port 5433 failed: fe_sendauth: no password supplied',
  ],
  [
    'auth-failed',
    'pg_dump: error: connection to server on socket "/var/run/postgresql/.s.PGSQL.5432" failed: FATAL:  Peer authentication failed for user "postgres"\n',
    'pg_dump: error: connection to server on socket "/var/run/postgresql/.s.PGSQL.5432" failed: FATAL:  Peer authentication failed for user "postgres"',
  ],
  [
    'auth-failed',
    'pg_dump: error: connection to server at "127.0.0.1", port 5432 failed: FATAL:  no pg_hba.conf entry for host "127.0.0.1", user "x", database "app", no encryption\n',
    'pg_dump: error: connection to server at "127.0.0.1", port 5432 failed: FATAL:  no pg_hba.conf entry for host "127.0.0.1", user "x", database "app", no encryption',
  ],
  [
    'auth-failed',
    'pg_dump: error: connection to server on socket "/tmp/.s.PGSQL.5432" failed: FATAL:  role "ghost" does not exist\n',
    'pg_dump: error: connection to server on socket "/tmp/.s.PGSQL.5432" failed: FATAL:  role "ghost" does not exist',
  ],
  [
    'database-missing',
    'pg_dump: error: connection to server on socket "/tmp/.s.PGSQL.5432" failed: FATAL:  database "nope" does not exist\n',
    'pg_dump: error: connection to server on socket "/tmp/.s.PGSQL.5432" failed: FATAL:  database "nope" does not exist',
  ],
  [
    'permission-denied',
    'pg_dump: error: query failed: ERROR:  permission denied for table secrets\npg_dump: detail: Query was: LOCK TABLE public.secrets IN ACCESS SHARE MODE\n',
    'pg_dump: error: query failed: ERROR:  permission denied for table secrets',
  ],
  [
    'permission-denied',
    'pg_dump: error: connection to server on socket "/tmp/.s.PGSQL.5432" failed: FATAL:  permission denied for database "app"\nDETAIL:  User does not have CONNECT privilege.\n',
    'pg_dump: error: connection to server on socket "/tmp/.s.PGSQL.5432" failed: FATAL:  permission denied for database "app"',
  ],
  [
    'permission-denied',
    'pg_dump: error: could not open output file "/srv/backups/app.dump": Permission denied\n',
    'pg_dump: error: could not open output file "/srv/backups/app.dump": Permission denied',
  ],
  [
    'disk-full',
    'pg_dump: error: could not write to output file: No space left on device\n',
    'pg_dump: error: could not write to output file: No space left on device',
  ],
  [
    'tool-too-old',
    'pg_dump: error: aborting because of server version mismatch\npg_dump: detail: server version: 16.1; pg_dump version: 15.18\n',
    'pg_dump: error: aborting because of server version mismatch pg_dump: detail: server version: 16.1; pg_dump version: 15.18',
  ],
  [
    'tool-too-old',
    'pg_dump: server version: 16.1; pg_dump version: 14.9\npg_dump: aborting because of server version mismatch\n',
    'pg_dump: aborting because of server version mismatch',
  ],
  ['cannot-connect', 'pg_dumpall: error: could not connect to database "gone"\n', 'pg_dumpall: error: could not connect to database "gone"'],
  ['killed', 'pg_dump: terminated by user\n', 'pg_dump: terminated by user'],
  [
    'killed',
    'pg_dump: error: Dumping the contents of table "big" failed: PQgetResult() failed.\npg_dump: detail: Error message from server: FATAL:  terminating connection due to administrator command\n',
    'pg_dump: detail: Error message from server: FATAL:  terminating connection due to administrator command',
  ],
  ['cannot-connect', 'connect ECONNREFUSED 127.0.0.1:1', 'connect ECONNREFUSED 127.0.0.1:1'],
  ['cannot-connect', 'connect ENOENT /tmp/none/.s.PGSQL.5432', 'connect ENOENT /tmp/none/.s.PGSQL.5432'],
  ['cannot-connect', 'getaddrinfo ENOTFOUND nowhere.invalid', 'getaddrinfo ENOTFOUND nowhere.invalid'],
  ['auth-failed', 'password authentication failed for user "app_user"', 'password authentication failed for user "app_user"'],
  ['database-missing', 'database "nope" does not exist', 'database "nope" does not exist'],
  [
    'dump-error',
    'pg_dump: error: Dumping the contents of table "t" failed: PQgetResult() failed.\npg_dump: detail: Error message from server: server closed the connection unexpectedly\n',
    'pg_dump: error: Dumping the contents of table "t" failed: PQgetResult() failed.',
  ],
  [
    'dump-error',
    'pg_dump: error: could not open output file "/srv/x/app.dump": No such file or directory\n',
    'pg_dump: error: could not open output file "/srv/x/app.dump": No such file or directory',
  ],
];

describe('classifyFailure', () => {
  it.each(CASES)('%s: %j', (reason, stderr, detail) => {
    expect(classifyFailure(failed(stderr))).toEqual({ reason, detail });
  });

  it('ranks a timeout above whatever the dying tool printed, and a signal above the messages', () => {
    const stderr = 'pg_dump: error: query failed: ERROR:  permission denied for table x\n';
    expect(classifyFailure({ exitCode: null, signal: 'SIGTERM', stderr, timedOut: true }).reason).toBe('timeout');
    expect(classifyFailure({ exitCode: null, signal: 'SIGKILL', stderr, timedOut: false })).toEqual({
      reason: 'killed',
      detail: 'the dump was killed by SIGKILL',
    });
  });

  it('falls back to the first error line, or says there was none', () => {
    expect(classifyFailure(failed('pg_dump: last built-in OID is 16383\npg_dump: error: something new\n'))).toEqual({
      reason: 'dump-error',
      detail: 'pg_dump: error: something new',
    });
    expect(classifyFailure(failed(''))).toEqual({ reason: 'dump-error', detail: 'the dump exited with code 1 and no message' });
  });

  it('keeps the detail to one log line', () => {
    const { detail } = classifyFailure(failed(`pg_dump: error: ${'x'.repeat(2000)}`));
    expect(detail.length).toBe(500);
  });
});

describe('classifyJobError: a step of the run outside the dump tool', () => {
  // Node's file system errors as they are thrown (message, code, path).
  const fsError = (code: string, message: string) => Object.assign(new Error(`${code}: ${message}`), { code, path: '/srv/x' });

  it.each([
    ['EACCES', 'permission denied, mkdir \'/srv/x\'', 'permission-denied'],
    ['EPERM', 'operation not permitted, rename \'/srv/x\'', 'permission-denied'],
    ['ENOSPC', 'no space left on device, write', 'disk-full'],
    ['EDQUOT', 'disk quota exceeded, write', 'disk-full'],
    ['ENOTDIR', 'not a directory, mkdir \'/srv/x\'', 'storage-error'],
    ['EROFS', 'read-only file system, mkdir \'/srv/x\'', 'storage-error'],
  ] as const)('%s is %s', (code, message, reason) => {
    expect(classifyJobError(fsError(code, message))).toEqual({ reason, detail: `${code}: ${message}` });
  });

  it('errors of its own connections are classified like the tools\' messages', () => {
    expect(classifyJobError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' })).reason).toBe('cannot-connect');
    expect(classifyJobError(Object.assign(new Error('password authentication failed for user "x"'), { code: '28P01' })).reason).toBe('auth-failed');
  });

  it('anything else is job-error with its message', () => {
    expect(classifyJobError(new TypeError('Cannot read properties of undefined'))).toEqual({ reason: 'job-error', detail: 'Cannot read properties of undefined' });
  });
});
