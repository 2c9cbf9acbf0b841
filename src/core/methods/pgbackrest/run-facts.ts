// What a pgBackRest run records of its own (backup_runs.method_facts): the backup as `pgbackrest info` describes
// it. Its label is how pgBackRest names it (expire --set, restore --set); `prior` is the backup it was taken
// against, which retention keeps as long as this one (retention-dependencies.ts).
import type { PgbackrestBackupType } from '../../model.js';

export interface PgbackrestRunFacts {
  stanza: string;
  /** The type asked for. */
  requestedType: PgbackrestBackupType;
  /** The type pgBackRest took (a diff or incr with no full to go on is promoted to a full); null until known. */
  type: PgbackrestBackupType | null;
  label: string | null;
  /** The label of the backup it was taken against (null for a full). */
  prior: string | null;
  /** Every backup whose files it references. */
  reference: string[];
  /** Bytes of the cluster, and of the files this backup copied (pgBackRest's info.size / info.delta). */
  databaseBytes: number | null;
  deltaBytes: number | null;
  /** Bytes in the repository (compressed): of the whole backup, and the part stored by this backup. */
  repositoryBytes: number | null;
  repositoryDeltaBytes: number | null;
  lsnStart: string | null;
  lsnStop: string | null;
  walStart: string | null;
  walStop: string | null;
  /** pgBackRest's own start and stop (Unix seconds, as info gives them). */
  timestampStart: number | null;
  timestampStop: number | null;
  pgbackrestVersion: string | null;
}

export function emptyPgbackrestFacts(stanza: string, requestedType: PgbackrestBackupType): PgbackrestRunFacts {
  return {
    stanza, requestedType, type: null, label: null, prior: null, reference: [],
    databaseBytes: null, deltaBytes: null, repositoryBytes: null, repositoryDeltaBytes: null,
    lsnStart: null, lsnStop: null, walStart: null, walStop: null, timestampStart: null, timestampStop: null, pgbackrestVersion: null,
  };
}
