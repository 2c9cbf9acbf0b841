// Removing pgBackRest backups that retention expires: `pgbackrest expire --set=<label>`, newest first, so
// that an incr goes before the diff or full it was taken against (retention never expires a backup a kept one
// needs: retention-dependencies.ts). A label no longer in the repository (removed by an interrupted pass, or
// with the chain of an expired full) is done already: pgBackRest only warns, and the row is deleted.
// pgBackRest then expires the WAL no remaining backup needs itself.
import type { BackupServerSpec } from '../../core/model.js';
import type { PgbackrestRunFacts } from '../../core/methods/pgbackrest/run-facts.js';
import { pgbackrestFailure, runPgbackrest, succeeded } from './run-pgbackrest.js';
import { pgbackrestInvocation } from './server-files.js';

export interface ExpiringBackup {
  id: string;
  facts: unknown;
}

/** The ids whose backups are gone from the repository (expired now or before); the others stay tombstoned. */
export async function expirePgbackrestBackups(stateDir: string, server: BackupServerSpec, backups: readonly ExpiringBackup[]): Promise<{ removed: string[]; problems: string[] }> {
  const how = await pgbackrestInvocation(stateDir, server);
  const removed: string[] = [];
  const problems: string[] = [];
  const ordered = backups
    .map((b) => ({ id: b.id, facts: b.facts as Partial<PgbackrestRunFacts> | null }))
    .sort((a, b) => (b.facts?.timestampStart ?? 0) - (a.facts?.timestampStart ?? 0));
  for (const { id, facts } of ordered) {
    // A failed run has no backup in the repository (its log file is removed like any run's).
    if (!facts?.label || !facts.stanza) {
      removed.push(id);
      continue;
    }
    const result = await runPgbackrest('expire', [`--stanza=${facts.stanza}`, `--set=${facts.label}`], how);
    if (succeeded(result)) removed.push(id);
    else problems.push(`pgbackrest expire --set=${facts.label} (stanza ${facts.stanza}): ${pgbackrestFailure(result).detail}`);
  }
  return { removed, problems };
}
