// A group that holds runs of a method this version does not have (a newer pgbackops sharing the catalog
// recorded them) is left whole: expiring a backup whose needs are unknown could lose what a kept backup
// promises. Methods whose backups depend on each other (pgbackrest) are judged: the pass then keeps what a
// kept backup needs (keep-dependencies.ts).
import { isBackupMethod } from '../methods/registry.js';

/** Why a group holding runs of `methods` (other than logical) cannot be pruned by its rules; null when it can. */
export function retentionCannotJudge(methods: readonly string[]): string | null {
  const unknown = methods.filter((m) => !isBackupMethod(m));
  if (unknown.length > 0) {
    return `it holds runs of backup method(s) ${unknown.map((m) => JSON.stringify(m)).join(', ')} that this version of pgbackops does not have`;
  }
  return null;
}
