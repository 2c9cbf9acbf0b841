// Encryption at rest with age (docs/encryption.md), end to end with the real age CLI, real clusters and the
// real pgbackops CLI: an encrypted run writes only .age files (and its plain manifest and log) and never a
// plaintext file; a file decrypted by hand with `age -d` is the plaintext the run dumped; restore with the
// identity gives back an identical database; a wrong or missing identity is refused before the target is
// touched; verify without the identity checks the ciphertext and says what it could not; a recipient removed
// while kept backups are encrypted only to it is a plan warning.
import { gunzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import { chownSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyConverged, pgbackops, runRecorded } from '../../helpers/cli.js';
import { backupSpecDoc, clusterNodeDoc, retentionDoc, serverDoc, writeConfig } from '../../helpers/config.js';
import { startTestCluster, type TestCluster } from '../../helpers/pg-cluster.js';
import { nodeOf, plainDump, query, queryAt } from '../../helpers/pg-tools.js';
import { seedDatabase } from '../../helpers/seed.js';
import { catalogConfig, catalogUrl, cli, configDir, openWorkspace, stateDir, work } from '../../helpers/workspace.js';

const DB = 'shop';

let source: TestCluster;
let target: TestCluster;
/** Receives the cluster dump: every role and database under its own name. */
let empty: TestCluster;
let catalog: TestCluster;
const keys: Record<'first' | 'wrong' | 'next', { identity: string; recipient: string }> = {} as never;
const backups: Record<string, string> = {};


function serverYaml(recipients: string[]): string {
  return serverDoc('backup01', join(work, 'cron', 'pgbackops'), join(work, 'backups')) +
    `  encryption:\n    age:\n      recipients:\n${recipients.map((r) => `        - ${r}\n`).join('')}`;
}

function writeFiles(recipients: string[]): void {
  writeConfig(configDir, {
    'server.yaml': serverYaml(recipients),
    'nodes.yaml': [clusterNodeDoc('pg1', source), clusterNodeDoc('pg2', target), clusterNodeDoc('pg3', empty)].join('---\n'),
    'retention.yaml': retentionDoc,
    'backups.yaml': [backupSpecDoc('shop', `databases: [${DB}]\nformat: custom`), backupSpecDoc('whole', 'type: cluster')].join('---\n'),
  });
}

function restoreArgs(...args: string[]): string[] {
  return ['restore', ...args, '--yes', '--state-dir', stateDir, '--catalog', catalogUrl];
}

async function catalogRows<T extends pg.QueryResultRow = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
  return queryAt<T>(catalogConfig, sql, params);
}


async function runRow(id: string): Promise<{ directory: string; encryption: unknown; files: Array<{ path: string; bytes: number; sha256: string; plaintext?: { bytes: number; sha256: string } }> }> {
  return (await catalogRows<{ directory: string; encryption: unknown; files: never }>('select directory, encryption, files from pgbackops.backup_runs where id = $1', [id]))[0]!;
}

/** A key pair made by age-keygen; the identity readable by the job user (postgres), as on a restore host. */
async function makeKey(name: string): Promise<{ identity: string; recipient: string }> {
  const identity = join(work, `${name}.key`);
  await execa('age-keygen', ['-o', identity]);
  const postgres = userInfo().uid === 0 ? Number((await execa('id', ['-u', 'postgres'])).stdout) : null;
  if (postgres !== null) chownSync(identity, postgres, -1);
  const recipient = (await execa('age-keygen', ['-y', identity])).stdout.trim();
  return { identity, recipient };
}

async function databases(cluster: TestCluster): Promise<string[]> {
  return (await query<{ datname: string }>(cluster, 'postgres', 'select datname from pg_database order by datname')).map((r) => r.datname);
}

async function roles(cluster: TestCluster): Promise<string[]> {
  return (await query<{ rolname: string }>(cluster, 'postgres', 'select rolname from pg_roles order by rolname')).map((r) => r.rolname);
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The plaintext of an encrypted file, decrypted by hand with the age CLI as a DBA would. */
async function ageDecrypt(identity: string, file: string): Promise<Buffer> {
  const result = await execa('age', ['-d', '-i', identity, file], { encoding: 'buffer', stripFinalNewline: false });
  return Buffer.from(result.stdout);
}

beforeAll(async () => {
  [source, target, empty, catalog] = await Promise.all([startTestCluster(), startTestCluster(), startTestCluster(), startTestCluster()]);
  await seedDatabase(source.config, DB, 20_000);
  await openWorkspace('encryption', catalog);
  keys.first = await makeKey('first');
  keys.wrong = await makeKey('wrong');
  keys.next = await makeKey('next');
  writeFiles([keys.first.recipient]);
  await applyConverged(cli);
}, 180_000);

afterAll(async () => {
  await Promise.all([source?.stop(), target?.stop(), empty?.stop(), catalog?.stop()]);
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('an encrypted run', () => {
  it('writes only .age files besides its manifest and log, and never a plaintext file while it runs', async () => {
    const seen = new Set<string>();
    let watching = true;
    const backupRoot = join(work, 'backups');
    // Every name that appears under the backup root while the run goes on (a plaintext temp file included).
    const watcher = (async () => {
      while (watching) {
        try {
          for (const e of readdirSync(backupRoot, { recursive: true, withFileTypes: true })) if (e.isFile()) seen.add(e.name);
        } catch {
          /* not created yet */
        }
        await new Promise((r) => setTimeout(r, 2));
      }
    })();
    const runs = await Promise.all([runRecorded(stateDir, catalogConfig, 'shop'), runRecorded(stateDir, catalogConfig, 'whole')]).finally(() => { watching = false; });
    await watcher;
    [backups.shop, backups.whole] = runs;
    expect([...seen].filter((name) => !name.endsWith('.age') && !/^(manifest\.json|run\.log)$/.test(name))).toEqual([]);
    expect(seen).toContain('dump.pgdump.age');
    // A cluster dump is compressed before it is encrypted: pg_dumpall | gzip | age.
    expect(seen).toContain('dump.sql.gz.age');

    const shop = await runRow(backups.shop!);
    expect(shop.encryption).toEqual({ age: { recipients: [keys.first.recipient] } });
    expect(shop.files.map((f) => f.path)).toEqual(['database.sql.age', 'dump.pgdump.age', 'globals.json.age', 'roles.sql.age', 'run.log']);
    const manifest = JSON.parse(readFileSync(join(shop.directory, 'manifest.json'), 'utf8'));
    expect(manifest.encryption).toEqual({ age: { recipients: [keys.first.recipient] } });
    for (const f of shop.files.filter((file) => file.path.endsWith('.age'))) {
      // The ciphertext's digest is what is on disk; the plaintext's was taken before the encryptor.
      const ciphertext = readFileSync(join(shop.directory, f.path));
      // Backup files are 0600 (age alone would create them with the umask's 0644).
      expect(statSync(join(shop.directory, f.path)).mode & 0o777).toBe(0o600);
      expect(ciphertext.subarray(0, 21).toString()).toBe('age-encryption.org/v1');
      expect(sha256(ciphertext)).toBe(f.sha256);
      expect(f.plaintext).toBeDefined();
      expect(f.plaintext!.sha256).not.toBe(f.sha256);
    }
  }, 180_000);

  it('decrypts by hand with `age -d` into exactly the plaintext the run dumped: a custom archive, a cluster script', async () => {
    for (const id of [backups.shop!, backups.whole!]) {
      const row = await runRow(id);
      const dump = row.files.find((f) => f.path.startsWith('dump.'))!;
      const plain = await ageDecrypt(keys.first.identity, join(row.directory, dump.path));
      expect({ bytes: plain.length, sha256: sha256(plain) }).toEqual(dump.plaintext);
      if (dump.path === 'dump.pgdump.age') {
        expect(plain.subarray(0, 5).toString()).toBe('PGDMP');
        // pg_restore reads the decrypted archive from a pipe, as docs/encryption.md shows.
        const listed = await execa('sh', ['-c', 'age -d -i "$1" "$2" | pg_restore --list', 'sh', keys.first.identity, join(row.directory, dump.path)]);
        expect(listed.stdout).toMatch(/TABLE DATA public /);
      } else {
        // The cluster script is gzip-compressed before encryption (`age -d ... | gunzip`).
        expect(dump.path).toBe('dump.sql.gz.age');
        expect(gunzipSync(plain).toString()).toMatch(/CREATE DATABASE shop/);
      }
      // The roles capture holds password hashes: encrypted too, and it decrypts to SQL.
      if (id === backups.shop) expect((await ageDecrypt(keys.first.identity, join(row.directory, 'roles.sql.age'))).toString()).toMatch(/CREATE ROLE/);
    }
  });
});

describe('restore of an encrypted backup', () => {
  it('is refused without an identity, or with one that is not a recipient, before the target is touched', async () => {
    const before = { dbs: await databases(target), roles: await roles(target) };
    const restoresBefore = await catalogRows('select id from pgbackops.restore_runs');
    const without = await pgbackops(restoreArgs(backups.shop!, '--to-node', 'pg2'));
    expect(without.exitCode).toBe(1);
    expect(without.stderr).toMatch(/E_AGE_IDENTITY_REQUIRED: backup .* is encrypted with age to age1.*--identity-file/);
    for (const [identity, code] of [[keys.wrong.identity, 'E_AGE_IDENTITY_MISMATCH'], [join(work, 'missing.key'), 'E_AGE_IDENTITY_UNREADABLE']] as const) {
      for (const id of [backups.shop!, backups.whole!]) {
        const result = await pgbackops(restoreArgs(id, '--to-node', 'pg2', '--identity-file', identity));
        expect(result.exitCode, result.stdout + result.stderr).toBe(1);
        expect(result.stderr).toMatch(new RegExp(`${code}: backup ${id}: .*nothing was changed`));
      }
    }
    expect({ dbs: await databases(target), roles: await roles(target) }).toEqual(before);
    expect(await catalogRows('select id from pgbackops.restore_runs')).toEqual(restoresBefore);
  }, 120_000);

  it('with the identity gives back a database identical to the source, streaming the archive into one pg_restore', async () => {
    const result = await pgbackops(restoreArgs(backups.shop!, '--to-node', 'pg2', '--database', 'shop_copy', '--jobs', '4', '--identity-file', keys.first.identity));
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/encryption.*--jobs 4 is not used.*one job/);
    expect(await plainDump(nodeOf(target), 'shop_copy', '--schema-only')).toBe(await plainDump(nodeOf(source), DB, '--schema-only'));
    expect(await plainDump(nodeOf(target), 'shop_copy', '--data-only')).toBe(await plainDump(nodeOf(source), DB, '--data-only'));
  }, 180_000);

  it('of a cluster dump streams the decrypted script into psql: every database comes back identical', async () => {
    const result = await pgbackops(restoreArgs(backups.whole!, '--to-node', 'pg3', '--identity-file', keys.first.identity));
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/encryption: age: each file is decrypted with the identity as it streams into psql/);
    expect(await plainDump(nodeOf(empty), DB, '--schema-only')).toBe(await plainDump(nodeOf(source), DB, '--schema-only'));
    expect(await plainDump(nodeOf(empty), DB, '--data-only')).toBe(await plainDump(nodeOf(source), DB, '--data-only'));
  }, 180_000);

  it('fails and undoes what it created when the archive does not authenticate half-way (the identity is right)', async () => {
    const row = await runRow(backups.shop!);
    // A copy of the backup whose archive is cut short and re-recorded (checksums then match): age must fail it.
    const before = { dbs: await databases(target), roles: await roles(target) };
    const archive = join(row.directory, 'dump.pgdump.age');
    const original = readFileSync(archive);
    const cut = original.subarray(0, Math.floor(original.length / 2));
    const files = row.files.map((f) => (f.path === 'dump.pgdump.age' ? { ...f, bytes: cut.length, sha256: sha256(cut) } : f));
    const manifestPath = join(row.directory, 'manifest.json');
    const manifest = readFileSync(manifestPath);
    try {
      writeFileSync(archive, cut);
      writeFileSync(manifestPath, JSON.stringify({ ...JSON.parse(manifest.toString()), files }));
      await catalogRows('update pgbackops.backup_runs set files = $2 where id = $1', [backups.shop, JSON.stringify(files)]);
      const result = await pgbackops(restoreArgs(backups.shop!, '--to-node', 'pg2', '--database', 'shop_cut', '--roles', 'reuse', '--identity-file', keys.first.identity));
      expect(result.exitCode, result.stdout + result.stderr).toBe(1);
      expect(result.stdout).toMatch(/dropped database "shop_cut" \(created by this restore\)/);
      expect({ dbs: await databases(target), roles: await roles(target) }).toEqual(before);
    } finally {
      writeFileSync(archive, original);
      writeFileSync(manifestPath, manifest);
      await catalogRows('update pgbackops.backup_runs set files = $2 where id = $1', [backups.shop, JSON.stringify(row.files)]);
    }
  }, 120_000);
});

describe('verify of an encrypted backup', () => {
  it('without the identity checks the ciphertext checksums and says the archive check needs it', async () => {
    const result = await pgbackops(['verify', backups.shop!, '--state-dir', stateDir, '--catalog', catalogUrl]);
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/checksums: 5 file\(s\) match/);
    expect(result.stdout).toMatch(/archive: encrypted with age: .*needs the identity .*--identity-file/);
  });

  it('with the identity decrypts every file against its plaintext checksum and lists the archive; a wrong one fails', async () => {
    const ok = await pgbackops(['verify', backups.shop!, '--identity-file', keys.first.identity, '--json', '--state-dir', stateDir, '--catalog', catalogUrl]);
    expect(ok.exitCode, ok.stdout + ok.stderr).toBe(0);
    const outcome = JSON.parse(ok.stdout);
    expect(outcome.archive).toMatchObject({ checked: true, problem: null });
    expect(outcome.archive.entries).toBeGreaterThan(10);
    const whole = await pgbackops(['verify', backups.whole!, '--identity-file', keys.first.identity, '--state-dir', stateDir, '--catalog', catalogUrl]);
    expect(whole.exitCode, whole.stdout + whole.stderr).toBe(0);
    expect(whole.stdout).toMatch(/decrypted with the identity, it matches the plaintext checksum/);
    const wrong = await pgbackops(['verify', backups.shop!, '--identity-file', keys.wrong.identity, '--state-dir', stateDir, '--catalog', catalogUrl]);
    expect(wrong.exitCode).toBe(1);
    expect(wrong.stdout).toMatch(/FAIL archive: E_AGE_IDENTITY_MISMATCH/);
  });
});

describe('key rotation', () => {
  it('warns in the plan when a recipient is removed while kept backups are encrypted only to it; new runs use the new one', async () => {
    writeFiles([keys.next.recipient]);
    const plan = await cli('plan', '--json');
    const warnings = JSON.parse(plan.stdout).plan.warnings as Array<{ code: string; definition: string; backups: number; recipients: string[] }>;
    expect(warnings.map((w) => [w.code, w.definition, w.backups, w.recipients])).toEqual([
      ['W_RECIPIENT_REMOVED', 'shop', 1, [keys.first.recipient]],
      ['W_RECIPIENT_REMOVED', 'whole', 1, [keys.first.recipient]],
    ]);
    expect((await cli('plan')).stdout).toMatch(/Warning W_RECIPIENT_REMOVED: 1 kept backup\(s\) of shop are encrypted only to recipient\(s\) this plan removes/);
    // Adding a recipient next to the kept one removes nothing: no warning.
    writeFiles([keys.first.recipient, keys.next.recipient]);
    expect(JSON.parse((await cli('plan', '--json')).stdout).plan.warnings).toBeUndefined();
    writeFiles([keys.next.recipient]);
    await applyConverged(cli);
    const rotated = await runRecorded(stateDir, catalogConfig, 'shop');
    expect((await runRow(rotated)).encryption).toEqual({ age: { recipients: [keys.next.recipient] } });
    expect((await runRow(backups.shop!)).encryption).toEqual({ age: { recipients: [keys.first.recipient] } });
    // The old backup still restores with the old identity.
    const result = await pgbackops(restoreArgs(backups.shop!, '--to-node', 'pg2', '--database', 'shop_old_key', '--roles', 'reuse', '--identity-file', keys.first.identity));
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
  }, 180_000);
});

