// Retention's rules decide alone only over backups that restore on their own (the logical method's). A group
// that also holds runs of a method whose backups depend on each other, or of a method this version does not
// have (a newer pgbackops sharing the catalog recorded them), is left whole: expiring a full that a kept
// incremental needs, or a backup whose needs are unknown, would lose what the kept backup promises.
import { isBackupMethod, methodRulesOf } from '../methods/registry.js';

/** Why a group holding runs of `methods` (other than logical) cannot be pruned by its rules; null when it can. */
export function retentionCannotJudge(methods: readonly string[]): string | null {
  const unknown = methods.filter((m) => !isBackupMethod(m));
  if (unknown.length > 0) {
    return `it holds runs of backup method(s) ${unknown.map((m) => JSON.stringify(m)).join(', ')} that this version of pgbackops does not have`;
  }
  const chained = methods.filter((m) => isBackupMethod(m) && methodRulesOf(m).retention.kind !== 'standalone');
  if (chained.length > 0) {
    return `it holds runs of backup method(s) ${chained.map((m) => JSON.stringify(m)).join(', ')} whose backups depend on each other, which this pass does not weigh`;
  }
  return null;
}
