// The settings a restored base backup starts with, appended to its postgresql.auto.conf (the last setting of a
// name wins in PostgreSQL's configuration files, so they override what the source had). Pure.
//
// restore_command is run by the server through a shell (/bin/sh -c), after PostgreSQL has replaced %f and %p:
// every path in it is quoted for the shell, and the whole command is then quoted as a configuration string.
import type { RecoveryTarget } from '../../restore/directory-restore.js';

/** A word for /bin/sh: single-quoted, a single quote written as '\''. */
export function shellWord(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** A string value in postgresql.conf syntax: single-quoted, with quotes doubled and backslashes escaped. */
export function gucString(text: string): string {
  if (/[\n\r\0]/.test(text)) throw new Error(`a configuration value cannot hold a line break or NUL: ${JSON.stringify(text)}`);
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

/**
 * The restore_command: an uncompressed complete file in the archive is copied with cp (PostgreSQL restores into a
 * temporary name of its own, RECOVERYXLOG, and checks the size); a name the archive has in another form
 * (compressed, or the `.partial` segment pg_receivewal is writing) goes to `pgbackops wal-fetch`; a name the
 * archive does not have at all is answered "not there" (exit 1) by the shell itself. Starting Node for every
 * segment, or for every file PostgreSQL merely probes for (the next timeline's history file at promotion, the
 * segment after the last), cost a restore seconds (bench/basebackup.js). A cp that fails, and an archive
 * directory that cannot be read, exit 126, which PostgreSQL treats as fatal: exit 1 would read as the end of
 * the archive and recovery would promote short.
 */
export function restoreCommand(pgbackops: readonly string[], archiveDir: string): string {
  const dir = shellWord(archiveDir);
  const walFetch = [...pgbackops.map(shellWord), 'wal-fetch', '--archive-dir', dir, '%f', '%p'].join(' ');
  return `test -f ${dir}/%f && { cp ${dir}/%f %p && exit 0; exit 126; }; test -d ${dir} -a -r ${dir} -a -x ${dir} || exit 126; `
    + `set -- ${dir}/%f.*; test -e "$1" || exit 1; exec ${walFetch}`;
}

/**
 * The restore_command of a restore to the backup's end on a machine without the node's archive directory: the
 * backup's own pg_wal holds every segment it needs, and PostgreSQL (which asks the archive first) is told "not
 * there" for each. The archive's restoreCommand would exit 126 on the missing directory, fatal for recovery.
 */
export const NO_ARCHIVE_RESTORE_COMMAND = 'exit 1';

export interface RecoverySettingsInput {
  target: RecoveryTarget;
  restoreCommand: string;
  /**
   * The timeline recovery ends on, as the plan resolved and checked it (a number), or 'current' for the backup's
   * end: never 'latest', which would follow a history file archived after the checks.
   */
  timeline: number | 'current';
  /** Set when the restore starts the cluster: its own port and socket directory. */
  port?: number;
  socketDirectory?: string;
}

/** The lines appended to postgresql.auto.conf, with a comment saying who wrote them. */
export function recoverySettings(input: RecoverySettingsInput, comment: string): string {
  const settings: Array<[string, string]> = [
    ['restore_command', gucString(input.restoreCommand)],
    // The timeline the plan checked the archive's path to (docs/restore.md, "Timelines").
    ['recovery_target_timeline', gucString(String(input.timeline))],
    ['recovery_target_action', gucString('promote')],
    // The copy must never push its WAL into the source's archive, nor ship it anywhere.
    ['archive_mode', gucString('off')],
    // Its messages go to pg_ctl's log file, where the restore reads how recovery ended.
    ['logging_collector', gucString('off')],
  ];
  const t = input.target;
  if (t.kind === 'end') settings.push(['recovery_target', gucString('immediate')]);
  if (t.kind === 'time') settings.push(['recovery_target_time', gucString(postgresTimestamp(t.time))]);
  if (t.kind === 'lsn') settings.push(['recovery_target_lsn', gucString(t.lsn)]);
  if (t.kind === 'name') settings.push(['recovery_target_name', gucString(t.name)]);
  if (input.port !== undefined) settings.push(['port', String(input.port)]);
  if (input.socketDirectory !== undefined) settings.push(['unix_socket_directories', gucString(input.socketDirectory)]);
  return [`# ${comment}`, ...settings.map(([k, v]) => `${k} = ${v}`)].join('\n') + '\n';
}

/**
 * An ISO 8601 instant as recovery_target_time reads it: PostgreSQL's timestamp input takes the "T" and the
 * offset, but recovery_target_time's check refuses "Z"; written with a space and a numeric offset instead.
 */
export function postgresTimestamp(iso: string): string {
  return iso.replace('T', ' ').replace(/Z$/, '+00');
}

/** What the server log says recovery reached: "redo done at LSN", the last replayed transaction's time. */
export function recoveryReached(log: string): { lsn: string | null; time: string | null } {
  const redo = /redo done at ([0-9A-F]+\/[0-9A-F]+)/.exec(log);
  const stopped = /recovery stopping (?:before|after) (?:commit|abort) of transaction \d+, time (.+)$/m.exec(log);
  const last = /last completed transaction was at log time (.+)$/m.exec(log);
  const time = (last?.[1] ?? stopped?.[1] ?? null)?.trim() ?? null;
  return { lsn: redo?.[1] ?? null, time: time === null ? null : normaliseLogTime(time) };
}

/** "2026-12-05 18:55:00.123456+00" -> ISO 8601, or the text as logged when it does not parse. */
function normaliseLogTime(text: string): string {
  const iso = text.replace(' ', 'T').replace(/([+-]\d{2})$/, '$1:00');
  const parsed = Date.parse(iso);
  return Number.isNaN(parsed) ? text : new Date(parsed).toISOString();
}
