// Where a backup's copy lives in a store: the backup's directory under the backup root, under the store's
// prefix: <prefix><node>/<definition>/<db-NAME or _cluster>/<timestamp>/<file>. A DBA browsing the bucket finds
// the same tree as on the backup server; `.pgbackops-copy.json` beside the files marks a complete copy.
import { basename } from 'node:path';
import type { RunRecord } from '../../core/runs/run-record.js';
import { databaseDirName } from '../backup-layout.js';

/** Written last, after every file is uploaded and verified: a copy without it is incomplete. */
export const COPY_MARKER = '.pgbackops-copy.json';

export function copyKeyPrefix(storePrefix: string, run: Pick<RunRecord, 'node' | 'definition' | 'database' | 'directory' | 'id'>): string {
  const dir = run.directory ? basename(run.directory) : run.id;
  return `${storePrefix}${run.node}/${run.definition}/${databaseDirName(run.database)}/${dir}/`;
}
