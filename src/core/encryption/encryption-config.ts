// `encryption:` in the configuration: on a BackupServer (the default of its nodes' Backups and Snapshots),
// and on a Backup or Snapshot (its own, or `none` to opt out of the server's). docs/encryption.md.
import type { EncryptionSpec } from '../model.js';
import { finding, type DocPath, type Finding } from '../config/findings.js';
import { checkRecipient, recipientKey } from './age-recipients.js';

/** As written on a Backup or Snapshot: its own encryption, or `none` (not encrypted, whatever the server says). */
export type DumpEncryptionInput = EncryptionSpec | 'none';

/** Each recipient checked, with its position; a duplicate (the same key twice, comments aside) too. */
export function encryptionFindings(encryption: DumpEncryptionInput | undefined, base: DocPath): Finding[] {
  if (encryption === undefined || encryption === 'none') return [];
  const out: Finding[] = [];
  const seen = new Map<string, number>();
  encryption.age.recipients.forEach((recipient, i) => {
    const path = [...base, 'age', 'recipients', i];
    const check = checkRecipient(recipient);
    if (!check.ok) {
      out.push(finding(check.secret ? 'E_SECRET_FIELD' : 'E_AGE_RECIPIENT_INVALID', path, `recipient ${i + 1}: ${check.problem}`));
      return;
    }
    const key = recipientKey(recipient);
    const first = seen.get(key);
    if (first !== undefined) out.push(finding('E_AGE_RECIPIENT_INVALID', path, `recipient ${i + 1} is the same key as recipient ${first + 1}: list each key once`));
    else seen.set(key, i);
  });
  return out;
}

/**
 * The encryption a Backup or Snapshot's backups are written with: its own, none when it says `none`, else its
 * server's default. Recipients are kept as written (their order too: it is the order of the -r arguments).
 */
export function effectiveEncryption(own: DumpEncryptionInput | undefined, serverDefault: EncryptionSpec | undefined): EncryptionSpec | undefined {
  if (own === 'none') return undefined;
  const chosen = own ?? serverDefault;
  return chosen ? { age: { recipients: [...chosen.age.recipients] } } : undefined;
}

/** The recipients of an encryption, in their canonical form (what a run records and the plan compares). */
export function recipientKeys(encryption: EncryptionSpec | undefined | null): string[] {
  return encryption ? encryption.age.recipients.map(recipientKey) : [];
}
