// Key rotation (docs/encryption.md): new recipients apply to new backups only; a kept backup stays readable
// only by the identities of the recipients it was encrypted to. A plan that removes a recipient from the
// configuration, while kept backups are encrypted to no recipient the configuration still has, warns
// (W_RECIPIENT_REMOVED): whoever holds the removed key must keep it until those backups expire. Pure.
import type { EncryptionSpec, Kind } from '../model.js';
import { recipientKey } from './age-recipients.js';

/** Kept (succeeded) runs of a definition that share one set of recipients, as the catalog counts them. */
export interface KeptEncryptedRuns {
  definition: string;
  recipients: string[];
  count: number;
}

export interface RecipientWarning {
  code: 'W_RECIPIENT_REMOVED';
  definition: string;
  /** The removed recipients these backups are encrypted to (as recorded). */
  recipients: string[];
  backups: number;
  message: string;
}

/** The kinds whose specs may name recipients. */
const ENCRYPTING_KINDS: ReadonlySet<Kind> = new Set<Kind>(['BackupServer', 'Backup', 'Snapshot']);

/** Every recipient a set of objects names (canonical form). */
export function configuredRecipients(objects: ReadonlyArray<{ kind: Kind; spec: unknown }>): Set<string> {
  const out = new Set<string>();
  for (const o of objects) {
    if (!ENCRYPTING_KINDS.has(o.kind)) continue;
    const encryption = (o.spec as { encryption?: EncryptionSpec }).encryption;
    for (const r of encryption?.age.recipients ?? []) out.add(recipientKey(r));
  }
  return out;
}

/** Recipients the catalog's objects have and the configuration no longer does. */
export function removedRecipients(before: ReadonlySet<string>, after: ReadonlySet<string>): Set<string> {
  return new Set([...before].filter((r) => !after.has(r)));
}

/** One warning per definition whose kept backups only removed recipients (or none still configured) can read. */
export function recipientRemovalWarnings(removed: ReadonlySet<string>, stillConfigured: ReadonlySet<string>, kept: readonly KeptEncryptedRuns[]): RecipientWarning[] {
  if (removed.size === 0) return [];
  const byDefinition = new Map<string, { recipients: Set<string>; backups: number }>();
  for (const group of kept) {
    const keys = group.recipients.map(recipientKey);
    if (keys.some((k) => stillConfigured.has(k)) || !keys.some((k) => removed.has(k))) continue;
    const entry = byDefinition.get(group.definition) ?? { recipients: new Set<string>(), backups: 0 };
    group.recipients.filter((r) => removed.has(recipientKey(r))).forEach((r) => entry.recipients.add(r));
    entry.backups += group.count;
    byDefinition.set(group.definition, entry);
  }
  return [...byDefinition.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([definition, { recipients, backups }]) => {
      const list = [...recipients].sort();
      return {
        code: 'W_RECIPIENT_REMOVED' as const, definition, recipients: list, backups,
        message: `${backups} kept backup(s) of ${definition} are encrypted only to recipient(s) this plan removes (${list.map(shortKey).join(', ')}): ` +
          'keep the identity of one of them until those backups expire (new backups use the new recipients; kept ones are never re-encrypted)',
      };
    });
}

/** A recipient short enough for a plan line: the start of an age key, an SSH key's type and comment. */
function shortKey(recipient: string): string {
  if (recipient.startsWith('ssh-')) {
    const [type, , ...comment] = recipient.split(' ');
    return `${type}${comment.length > 0 ? ` ${comment.join(' ')}` : ''}`;
  }
  return `${recipient.slice(0, 16)}...`;
}
