// Why a dump failed, as one stable reason code plus the stderr line that says so. Pure. The reasons are
// documented in docs/errors.md ("Why a run failed").
//
// The patterns are the English messages of pg_dump, pg_dumpall and libpq (PostgreSQL 10-18); processEnvFor()
// runs the tools with LC_MESSAGES=C so that their own messages stay English (the server's messages follow
// its lc_messages). Rules are tried in order and the first match wins; the order matters because one line
// can say several things: "connection to server ... failed: FATAL:  password authentication failed" is an
// authentication problem, not a network one. Errors of the pg client (Node's "connect ECONNREFUSED ...",
// the server's "password authentication failed ...") are classified by the same rules.

export type FailureReason =
  | 'cannot-connect'
  | 'auth-failed'
  | 'database-missing'
  | 'permission-denied'
  | 'disk-full'
  | 'tool-too-old'
  | 'storage-error'
  | 'timeout'
  | 'killed'
  | 'interrupted'
  | 'dump-error'
  | 'verify-failed'
  | 'encrypt-error'
  | 'job-error';

export interface FailureInput {
  exitCode: number | null;
  signal: string | null;
  stderr: string;
  /** The run was stopped because it went past its timeout. */
  timedOut: boolean;
}

export interface ClassifiedFailure {
  reason: FailureReason;
  /** The first stderr line that shows the reason (or a description when stderr says nothing useful). */
  detail: string;
}

const RULES: ReadonlyArray<{ reason: FailureReason; pattern: RegExp }> = [
  // "pg_dump: error: aborting because of server version mismatch" (and "server version: 16.1; pg_dump
  // version: 15.4" on the line after, or before it in older versions).
  { reason: 'tool-too-old', pattern: /server version mismatch/i },
  // pg_dump's handler of SIGTERM/SIGINT prints this and exits 1 (no signal in the exit status); the server
  // side of a cancelled or terminated session says the other two.
  { reason: 'killed', pattern: /terminated by user|canceling statement due to user request|terminating connection due to administrator command/i },
  { reason: 'disk-full', pattern: /No space left on device|could not extend file|disk quota exceeded/i },
  {
    reason: 'auth-failed',
    pattern: new RegExp(
      [
        'password authentication failed',
        'no password supplied',
        '(?:peer|ident|md5|scram|gss(?:api)?|sspi|ldap|radius|pam|certificate|cert) authentication failed',
        'no pg_hba\\.conf entry',
        'pg_hba\\.conf rejects connection',
        'role "(?:[^"]|"")*" does not exist',
        'is not permitted to log in',
        'password retrieved from file',
      ].join('|'),
      'i',
    ),
  },
  { reason: 'database-missing', pattern: /database "(?:[^"]|"")*" does not exist/i },
  { reason: 'permission-denied', pattern: /permission denied|must be (?:superuser|owner)|insufficient privilege/i },
  {
    reason: 'cannot-connect',
    pattern: new RegExp(
      [
        'could not connect to server',
        // pg_dumpall drops libpq's reason when its first connection fails: this line is all it prints.
        'could not connect to database',
        'connection to server .* failed',
        'Connection refused',
        'No such file or directory.*socket|socket.*No such file or directory',
        'could not translate host name',
        'Name or service not known',
        'timeout expired',
        'Network is unreachable',
        'No route to host',
        'Connection timed out',
        'the database system is (?:starting up|shutting down|in recovery mode)',
        'too many clients already',
        'too many connections for',
        'server does not support SSL',
        'SSL error',
        'could not (?:send|receive) data to server',
        // Node's errors, as the pg client reports them (the job's own queries use it).
        'connect (?:ECONNREFUSED|ENOENT|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH)',
        'getaddrinfo (?:ENOTFOUND|EAI_AGAIN)',
        'Connection terminated due to connection timeout',
      ].join('|'),
      'i',
    ),
  },
];

/** Longest detail kept: a run log line, not a stack of SQL. */
const MAX_DETAIL = 500;

export function classifyFailure(input: FailureInput): ClassifiedFailure {
  const lines = input.stderr
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');

  // A run we stopped: whatever the tool printed while dying is a consequence, not the cause.
  if (input.timedOut) return { reason: 'timeout', detail: 'the dump ran past its timeout and was stopped' };
  if (input.signal !== null) return { reason: 'killed', detail: `the dump was killed by ${input.signal}` };

  for (const rule of RULES) {
    const index = lines.findIndex((line) => rule.pattern.test(line));
    if (index !== -1) return { reason: rule.reason, detail: clip(withContext(lines, index)) };
  }
  const firstError = lines.find((line) => /\b(?:error|fatal)\b/i.test(line)) ?? lines[0];
  return {
    reason: 'dump-error',
    detail: clip(firstError ?? (input.exitCode === null ? 'the dump failed without a message' : `the dump exited with code ${input.exitCode} and no message`)),
  };
}

/** An error of a step of the job itself (a directory, a file, a query on its own connection), as Node reports it. */
export interface JobErrorInput {
  message: string;
  /** errno name (EACCES) of a system call, or SQLSTATE of a query. */
  code?: unknown;
  /** Set on file system errors: the file the call was about. */
  path?: unknown;
}

/** File system errors by errno: what the job's user cannot do, and what no space is left for. */
const FILE_SYSTEM_REASONS: Readonly<Record<string, FailureReason>> = {
  EACCES: 'permission-denied',
  EPERM: 'permission-denied',
  ENOSPC: 'disk-full',
  EDQUOT: 'disk-full',
};

/**
 * Why a step of the run outside the dump tool failed: a file system call by its errno (any other one is a
 * storage-error: a file where a directory should be, a read-only file system), anything else by the rules for
 * the tools' messages (the job's own connections fail like pg_dump's), else job-error.
 */
export function classifyJobError(error: JobErrorInput): ClassifiedFailure {
  const detail = clip(error.message.trim() || 'failed without a message');
  if (typeof error.code === 'string' && typeof error.path === 'string') {
    return { reason: FILE_SYSTEM_REASONS[error.code] ?? 'storage-error', detail };
  }
  const rule = RULES.find((r) => r.pattern.test(error.message));
  return { reason: rule?.reason ?? 'job-error', detail };
}

/**
 * The matched line, plus the next one when it is libpq's continuation of the same message: "connection to
 * server on socket ... failed: No such file or directory" is followed by "Is the server running locally and
 * accepting connections on that socket?", and the version mismatch by the two versions.
 */
function withContext(lines: string[], index: number): string {
  const line = lines[index] as string;
  const next = lines[index + 1];
  if (next !== undefined && (/^Is the server running/i.test(next) || /^(?:pg_dump(?:all)?: )?(?:detail: )?server version:/i.test(next))) {
    return `${line} ${next}`;
  }
  return line;
}

function clip(text: string): string {
  return text.length > MAX_DETAIL ? `${text.slice(0, MAX_DETAIL - 1)}…` : text;
}
