// `encryption:` in the configuration: recipients checked with positions and stable codes, the server's default
// resolved into each Backup and Snapshot (so changing recipients is an update of what it reaches), `none`,
// and the formats that cannot be encrypted as they are written.
import { describe, expect, it } from 'vitest';
import { checkRecipient, recipientKey } from '../../../src/core/encryption/age-recipients.js';
import { validateConfig } from '../../../src/core/config/validate.js';
import type { BackupSpec, BackupServerSpec, SnapshotSpec } from '../../../src/core/model.js';

// From `age-keygen` and `ssh-keygen`: public keys only.
const KEY_A = 'age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p';
const KEY_B = 'age134cmgfuhrq5za9nzs20lqdchzs036cza8e9vxe2wq0rx2snvvgks77tnqt';
const SSH_ED25519 = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIP+/7P04fnh/EGbFmf3nql8e7vB5uuR9AQKYuiMbEVak dba@example';

describe('age recipients', () => {
  it.each([
    [KEY_A, 'x25519'],
    [KEY_B, 'x25519'],
    [KEY_A.toUpperCase(), 'x25519'],
    [SSH_ED25519, 'ssh-ed25519'],
    [SSH_ED25519.split(' ').slice(0, 2).join(' '), 'ssh-ed25519'],
  ])('accepts %s', (text, kind) => {
    expect(checkRecipient(text)).toEqual({ ok: true, kind });
  });

  it.each([
    [KEY_A.slice(0, -1) + 'q', /checksum/],
    [KEY_A.slice(0, -2), /62 characters/],
    ['age1' + 'b'.repeat(58), /not used in age keys/],
    [KEY_A.slice(0, 10) + KEY_A.slice(10).toUpperCase(), /one case/],
    ['age1yubikey1qwt50d05nh5vutpdzmlg5wn80xq5negm4uj9ghv0snvdd3yysf5yw3rhl3t', /plugin "age-plugin-yubikey"/],
    ['ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBOoNcQlAZ/yZLYH42MkGqzSMRArHKrZ/E8YD98wbbv4EpUm8vjjwIbQvfCMiBKgp9l5lW8qmLcQDKg0z47oa5ns=', /not an age recipient/],
    ['ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIP+/7P04fnh/EGbFmf3nql8e7vB5uuR9AQKYuiMbEVak', /not a ssh-rsa public key/],
    ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIP+/7P04fnh/EGbFmf3nql8e7vB5', /not a whole ssh-ed25519/],
    ['ssh-dss AAAAB3NzaC1kc3M=', /ssh-ed25519 or ssh-rsa/],
    ['pgbackops', /not an age recipient/],
  ])('refuses %s', (text, problem) => {
    const check = checkRecipient(text);
    expect(check.ok).toBe(false);
    expect(!check.ok && check.problem).toMatch(problem);
  });

  it('refuses a private key as a secret, without quoting it', () => {
    const check = checkRecipient('AGE-SECRET-KEY-1TEV20MT0E4WPM43KAF0YJUZ855W6QWCNCNJ2A6PEZEDHRQGKPMTSLAR7ZS');
    expect(check).toMatchObject({ ok: false, secret: true });
    expect(!check.ok && check.problem).not.toMatch(/TEV20/);
  });

  it('compares keys without case or SSH comment', () => {
    expect(recipientKey(KEY_A.toUpperCase())).toBe(KEY_A);
    expect(recipientKey(SSH_ED25519)).toBe(SSH_ED25519.split(' ').slice(0, 2).join(' '));
  });
});

const SERVER = (encryption = '') => `apiVersion: pgbackops/v1
kind: BackupServer
metadata: { name: backup01 }
spec:
  host: backup01.example.org
  backupRoot: /srv/pgbackops
${encryption}`;
const NODE = `apiVersion: pgbackops/v1
kind: Node
metadata: { name: pg-orders }
spec: { host: db1.example.org, backupServer: backup01 }
`;
const BACKUP = (extra = '') => `apiVersion: pgbackops/v1
kind: Backup
metadata: { name: orders }
spec:
  node: pg-orders
  databases: [orders]
  schedule: "0 1 * * *"
  retention: { keepLast: 3 }
${extra}`;
const SNAPSHOT = (extra = '') => `apiVersion: pgbackops/v1
kind: Snapshot
metadata: { name: before-migration }
spec:
  node: pg-orders
  databases: [orders]
  keepFor: 30d
${extra}`;

function validate(files: Record<string, string>) {
  return validateConfig(Object.entries(files).map(([path, text]) => ({ path, text })));
}

function spec<T>(result: ReturnType<typeof validate>, kind: string, name: string): T {
  return result.config!.objects.find((o) => o.kind === kind && o.name === name)!.spec as T;
}

describe('encryption in the configuration', () => {
  const serverKeys = `  encryption:\n    age:\n      recipients:\n        - ${KEY_A}\n        - ${KEY_B}\n`;

  it("gives each Backup and Snapshot its server's recipients, and its own when it has them", () => {
    const result = validate({
      'server.yaml': SERVER(serverKeys), 'node.yaml': NODE,
      'backup.yaml': BACKUP(`  encryption: { age: { recipients: ["${SSH_ED25519}"] } }\n`),
      'snapshot.yaml': SNAPSHOT(),
    });
    expect(result.diagnostics).toEqual([]);
    expect(spec<BackupServerSpec>(result, 'BackupServer', 'backup01').encryption).toEqual({ age: { recipients: [KEY_A, KEY_B] } });
    expect(spec<BackupSpec>(result, 'Backup', 'orders').encryption).toEqual({ age: { recipients: [SSH_ED25519] } });
    expect(spec<SnapshotSpec>(result, 'Snapshot', 'before-migration').encryption).toEqual({ age: { recipients: [KEY_A, KEY_B] } });
  });

  it('changing the server recipients changes the hash of the definitions that inherit them', () => {
    const files = { 'node.yaml': NODE, 'backup.yaml': BACKUP(), 'other.yaml': BACKUP('  encryption: none\n').replace('name: orders', 'name: orders-plain') };
    const before = validate({ ...files, 'server.yaml': SERVER(`  encryption: { age: { recipients: [${KEY_A}] } }\n`) });
    const after = validate({ ...files, 'server.yaml': SERVER(`  encryption: { age: { recipients: [${KEY_B}] } }\n`) });
    const hash = (r: typeof before, name: string) => r.config!.objects.find((o) => o.name === name)!.hash;
    expect(hash(before, 'orders')).not.toBe(hash(after, 'orders'));
    // encryption: none opts out, whatever the server says: the same spec (and hash) as no encryption at all.
    expect(hash(before, 'orders-plain')).toBe(hash(after, 'orders-plain'));
    expect(spec<BackupSpec>(after, 'Backup', 'orders-plain').encryption).toBeUndefined();
    const unencrypted = validate({ ...files, 'server.yaml': SERVER() });
    expect(hash(unencrypted, 'orders-plain')).toBe(hash(after, 'orders-plain'));
  });

  it('reports each bad recipient at its position with a stable code, and a private key as a secret', () => {
    const result = validate({
      'server.yaml': SERVER(`  encryption:\n    age:\n      recipients:\n        - ${KEY_A}\n        - ${KEY_A.slice(0, -1)}q\n        - AGE-SECRET-KEY-1TEV20MT0E4WPM43KAF0YJUZ855W6QWCNCNJ2A6PEZEDHRQGKPMTSLAR7ZS\n        - ${KEY_A.toUpperCase()}\n`),
      'node.yaml': NODE, 'backup.yaml': BACKUP(),
    });
    expect(result.config).toBeNull();
    expect(result.diagnostics.map((d) => [d.code, d.file, d.line, d.path])).toEqual([
      ['E_AGE_RECIPIENT_INVALID', 'server.yaml', 11, '/spec/encryption/age/recipients/1'],
      ['E_SECRET_FIELD', 'server.yaml', 12, '/spec/encryption/age/recipients/2'],
      ['E_AGE_RECIPIENT_INVALID', 'server.yaml', 13, '/spec/encryption/age/recipients/3'],
    ]);
    expect(result.diagnostics[2]!.message).toMatch(/same key as recipient 1/);
    expect(JSON.stringify(result.diagnostics)).not.toMatch(/TEV20/);
  });

  it('refuses an empty list, another word than none, and unknown fields', () => {
    const result = validate({
      'server.yaml': SERVER('  encryption: { age: { recipients: [] } }\n'), 'node.yaml': NODE,
      'backup.yaml': BACKUP('  encryption: off\n'),
      'snapshot.yaml': SNAPSHOT(`  encryption: { age: { recipients: [${KEY_A}], armor: true } }\n`),
    });
    expect(result.config).toBeNull();
    expect(result.diagnostics.map((d) => [d.code, d.file, d.path])).toEqual([
      ['E_SCHEMA_PATTERN', 'backup.yaml', '/spec/encryption'],
      ['E_SCHEMA_RANGE', 'server.yaml', '/spec/encryption/age/recipients'],
      ['E_SCHEMA_UNKNOWN_FIELD', 'snapshot.yaml', '/spec/encryption/age/armor'],
    ]);
  });

  it('refuses format: directory when the backup is encrypted, by its own setting or by its server', () => {
    const own = validate({
      'server.yaml': SERVER(), 'node.yaml': NODE,
      'backup.yaml': BACKUP(`  format: directory\n  encryption: { age: { recipients: [${KEY_A}] } }\n`),
    });
    expect(own.diagnostics.map((d) => [d.code, d.path])).toEqual([['E_ENCRYPTION_UNSUPPORTED', '/spec/format']]);
    const inherited = validate({
      'server.yaml': SERVER(`  encryption: { age: { recipients: [${KEY_A}] } }\n`), 'node.yaml': NODE,
      'backup.yaml': BACKUP('  format: directory\n'),
    });
    expect(inherited.diagnostics.map((d) => [d.code, d.path])).toEqual([['E_ENCRYPTION_UNSUPPORTED', '/spec/format']]);
    expect(inherited.diagnostics[0]!.message).toMatch(/encryption: none/);
    // Opting out keeps the directory format.
    const optedOut = validate({
      'server.yaml': SERVER(`  encryption: { age: { recipients: [${KEY_A}] } }\n`), 'node.yaml': NODE,
      'backup.yaml': BACKUP('  format: directory\n  encryption: none\n'),
    });
    expect(optedOut.diagnostics).toEqual([]);
  });
});
