// `pgbackrest info --output=json --stanza=S`, read: the stanza's backups and its WAL archive. Only the fields
// pgbackops uses are kept; a document of another shape is an error rather than a half-read answer.
import { PGBACKREST_BACKUP_TYPES, type PgbackrestBackupType } from '../../model.js';
import { emptyPgbackrestFacts, type PgbackrestRunFacts } from './run-facts.js';

export interface InfoBackup {
  label: string;
  type: PgbackrestBackupType;
  prior: string | null;
  reference: string[];
  /** Unix seconds. */
  start: number;
  stop: number;
  lsnStart: string | null;
  lsnStop: string | null;
  walStart: string | null;
  walStop: string | null;
  size: number | null;
  delta: number | null;
  repositorySize: number | null;
  repositoryDelta: number | null;
  /** pgBackRest found a page checksum error while copying. */
  error: boolean;
  version: string | null;
  /** Its tablespaces, listed only by `info --set=<label>` (absent otherwise). */
  tablespaces?: InfoTablespace[];
}

export interface InfoTablespace {
  oid: string;
  name: string;
  /** Its location on the node when the backup was taken. */
  location: string;
}

export interface StanzaInfo {
  name: string;
  /** 0: ok; pgBackRest's status codes otherwise (1 missing stanza path, 2 no valid backups, ...). */
  statusCode: number;
  statusMessage: string;
  /** Oldest first, as pgBackRest lists them. */
  backups: InfoBackup[];
  /** The WAL archive's first and last segment of the current database, null when empty. */
  archiveMin: string | null;
  archiveMax: string | null;
  /** That archive's id (`15-1`: version and db id), its directory under `archive/<stanza>/` in the repository. */
  archiveId: string | null;
}

export class PgbackrestInfoError extends Error {
  override name = 'PgbackrestInfoError';
}

/** The one stanza `info --stanza` describes. */
export function parseStanzaInfo(json: string, stanza: string): StanzaInfo {
  // db[].system-id exceeds JavaScript's exact integers: quote it before parsing (it is not used, but must not
  // be read wrong if it ever is).
  const quoted = json.replace(/"system-id":(\d+)/g, '"system-id":"$1"');
  let doc: unknown;
  try {
    doc = JSON.parse(quoted);
  } catch (err) {
    throw new PgbackrestInfoError(`pgbackrest info printed something that is not JSON: ${(err as Error).message}`);
  }
  if (!Array.isArray(doc)) throw new PgbackrestInfoError('pgbackrest info --output=json did not print a list of stanzas');
  const entry = doc.find((s) => isObject(s) && s['name'] === stanza) as Record<string, unknown> | undefined;
  if (!entry) throw new PgbackrestInfoError(`pgbackrest info does not list stanza ${stanza}`);
  const status = isObject(entry['status']) ? entry['status'] : {};
  const archives = Array.isArray(entry['archive']) ? entry['archive'].filter(isObject) : [];
  // The archive of the current database (the last db id): an upgraded stanza keeps older ones.
  const current = archives[archives.length - 1];
  return {
    name: stanza,
    statusCode: typeof status['code'] === 'number' ? status['code'] : -1,
    statusMessage: typeof status['message'] === 'string' ? status['message'] : '',
    backups: (Array.isArray(entry['backup']) ? entry['backup'] : []).map(readBackup),
    archiveMin: stringOrNull(current?.['min']),
    archiveMax: stringOrNull(current?.['max']),
    archiveId: stringOrNull(current?.['id']),
  };
}

function readBackup(raw: unknown): InfoBackup {
  if (!isObject(raw) || typeof raw['label'] !== 'string' || !isBackupType(raw['type'])) {
    throw new PgbackrestInfoError(`pgbackrest info lists a backup without a label and a type: ${JSON.stringify(raw).slice(0, 200)}`);
  }
  const ts = isObject(raw['timestamp']) ? raw['timestamp'] : {};
  const lsn = isObject(raw['lsn']) ? raw['lsn'] : {};
  const archive = isObject(raw['archive']) ? raw['archive'] : {};
  const info = isObject(raw['info']) ? raw['info'] : {};
  const repo = isObject(info['repository']) ? info['repository'] : {};
  const backrest = isObject(raw['backrest']) ? raw['backrest'] : {};
  return {
    label: raw['label'],
    type: raw['type'],
    prior: stringOrNull(raw['prior']),
    reference: Array.isArray(raw['reference']) ? raw['reference'].filter((r): r is string => typeof r === 'string') : [],
    start: numberOr(ts['start'], 0),
    stop: numberOr(ts['stop'], 0),
    lsnStart: stringOrNull(lsn['start']),
    lsnStop: stringOrNull(lsn['stop']),
    walStart: stringOrNull(archive['start']),
    walStop: stringOrNull(archive['stop']),
    size: numberOr(info['size'], null),
    delta: numberOr(info['delta'], null),
    repositorySize: numberOr(repo['size'], null),
    repositoryDelta: numberOr(repo['delta'], null),
    error: raw['error'] === true,
    version: stringOrNull(backrest['version']),
    ...(Array.isArray(raw['tablespace']) ? { tablespaces: raw['tablespace'].map(readTablespace) } : {}),
  };
}

function readTablespace(raw: unknown): InfoTablespace {
  if (!isObject(raw) || typeof raw['oid'] !== 'number' || typeof raw['name'] !== 'string' || typeof raw['destination'] !== 'string') {
    throw new PgbackrestInfoError(`pgbackrest info lists a tablespace without an oid, a name and a destination: ${JSON.stringify(raw).slice(0, 200)}`);
  }
  return { oid: String(raw['oid']), name: raw['name'], location: raw['destination'] };
}

/**
 * The backup a run took: the newest one that started no earlier than the run (pgBackRest holds a lock per
 * stanza, so no other backup of the stanza can have started since). Labels are in the backup server's local
 * time, so the time is read from `timestamp`, never from the label.
 */
export function backupTakenSince(info: StanzaInfo, startedAtSeconds: number): InfoBackup | null {
  let newest: InfoBackup | null = null;
  for (const b of info.backups) if (b.start >= startedAtSeconds && (newest === null || b.start >= newest.start)) newest = b;
  return newest;
}

/** A run's facts from the backup info describes. */
export function factsOfBackup(stanza: string, requestedType: PgbackrestBackupType, b: InfoBackup): PgbackrestRunFacts {
  return {
    ...emptyPgbackrestFacts(stanza, requestedType),
    type: b.type, label: b.label, prior: b.prior, reference: b.reference,
    databaseBytes: b.size, deltaBytes: b.delta, repositoryBytes: b.repositorySize, repositoryDeltaBytes: b.repositoryDelta,
    lsnStart: b.lsnStart, lsnStop: b.lsnStop, walStart: b.walStart, walStop: b.walStop,
    timestampStart: b.start, timestampStop: b.stop, pgbackrestVersion: b.version,
  };
}

function isBackupType(v: unknown): v is PgbackrestBackupType {
  return typeof v === 'string' && (PGBACKREST_BACKUP_TYPES as readonly string[]).includes(v);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function stringOrNull(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

function numberOr<T extends number | null>(v: unknown, fallback: T): number | T {
  return typeof v === 'number' && Number.isFinite(v) ? v : fallback;
}
