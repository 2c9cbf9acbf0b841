// W_RECIPIENT_REMOVED: which kept backups a plan that removes recipients leaves readable only by the removed
// keys, case by case; and what the age CLI's errors mean.
import { describe, expect, it } from 'vitest';
import { ageDecryptArgs, ageEncryptArgs, classifyAgeDecryptError } from '../../../src/core/encryption/age-command.js';
import { configuredRecipients, recipientRemovalWarnings, removedRecipients } from '../../../src/core/encryption/recipient-removal.js';

const A = 'age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p';
const B = 'age134cmgfuhrq5za9nzs20lqdchzs036cza8e9vxe2wq0rx2snvvgks77tnqt';
const SSH = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIP+/7P04fnh/EGbFmf3nql8e7vB5uuR9AQKYuiMbEVak dba@example';

const encrypted = (...recipients: string[]) => ({ encryption: { age: { recipients } } });

describe('configured and removed recipients', () => {
  it('collects the recipients of servers, backups and snapshots in their canonical form', () => {
    const objects = [
      { kind: 'BackupServer' as const, spec: encrypted(A) },
      { kind: 'Backup' as const, spec: encrypted(B.toUpperCase()) },
      { kind: 'Snapshot' as const, spec: encrypted(SSH) },
      { kind: 'Node' as const, spec: {} },
      { kind: 'Backup' as const, spec: {} },
    ];
    expect([...configuredRecipients(objects)].sort()).toEqual([A, B, SSH.split(' ').slice(0, 2).join(' ')].sort());
    expect([...removedRecipients(new Set([A, B]), new Set([B]))]).toEqual([A]);
  });
});

describe('recipientRemovalWarnings', () => {
  it('warns for kept backups encrypted only to removed recipients, one warning per definition', () => {
    const warnings = recipientRemovalWarnings(new Set([A]), new Set([B]), [
      { definition: 'orders', recipients: [A], count: 3 },
      { definition: 'orders', recipients: [A.toUpperCase()], count: 1 },
      { definition: 'billing', recipients: [A], count: 2 },
    ]);
    expect(warnings.map((w) => [w.code, w.definition, w.backups, w.recipients])).toEqual([
      ['W_RECIPIENT_REMOVED', 'billing', 2, [A]],
      ['W_RECIPIENT_REMOVED', 'orders', 4, [A, A.toUpperCase()].sort()],
    ]);
    expect(warnings[0]!.message).toMatch(/^2 kept backup\(s\) of billing are encrypted only to recipient\(s\) this plan removes \(age1ql3z7hjy54pw\.\.\.\)/);
  });

  it('does not warn when a kept backup has a recipient that is still configured, or none that is removed', () => {
    expect(recipientRemovalWarnings(new Set([A]), new Set([B]), [{ definition: 'orders', recipients: [A, B], count: 5 }])).toEqual([]);
    // Encrypted to a key removed long ago (not by this plan): not this plan's doing.
    expect(recipientRemovalWarnings(new Set([A]), new Set([B]), [{ definition: 'orders', recipients: ['age1old'], count: 5 }])).toEqual([]);
    expect(recipientRemovalWarnings(new Set(), new Set([B]), [{ definition: 'orders', recipients: [A], count: 5 }])).toEqual([]);
  });

  it('compares SSH recipients without their comment and names them by type and comment', () => {
    const [w] = recipientRemovalWarnings(new Set([SSH.split(' ').slice(0, 2).join(' ')]), new Set(), [{ definition: 'orders', recipients: [SSH], count: 1 }]);
    expect(w!.message).toMatch(/\(ssh-ed25519 dba@example\)/);
  });
});

describe('the age CLI', () => {
  it('gets every recipient as one argv item, spaces and all', () => {
    expect(ageEncryptArgs([A, SSH], '/b/dump.pgdump.age')).toEqual(['--encrypt', '--recipient', A, '--recipient', SSH, '--output', '/b/dump.pgdump.age']);
    expect(ageDecryptArgs('/k/key.txt', '-rf /')).toEqual(['--decrypt', '--identity', '/k/key.txt', '-rf /']);
  });

  it.each([
    ['age: error: no identity matched any of the recipients\nage: report unexpected or unhelpful errors at https://filippo.io/age/report', 'identity-mismatch', 'no identity matched any of the recipients'],
    ['age: error: reading "/k/nope": failed to open file: open /k/nope: no such file or directory', 'identity-unreadable', 'reading "/k/nope": failed to open file: open /k/nope: no such file or directory'],
    ['age: error: reading "/k/p.txt": failed to read "/k/p.txt": error at line 1: unknown identity type', 'identity-unreadable', 'reading "/k/p.txt": failed to read "/k/p.txt": error at line 1: unknown identity type'],
    ['age: error: failed to decrypt and authenticate payload chunk', 'damaged', 'failed to decrypt and authenticate payload chunk'],
    ['age: error: failed to read header: parsing age header: unexpected intro: "hello"', 'damaged', 'failed to read header: parsing age header: unexpected intro: "hello"'],
    ['something else', 'other', 'something else'],
  ])('classifies %j', (stderr, kind, detail) => {
    expect(classifyAgeDecryptError(stderr)).toEqual({ kind, detail });
  });
});
