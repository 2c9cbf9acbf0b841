// The daemon following a real git repository made by the test: the applied revision is the commit SHA;
// POST /hooks/git needs a valid HMAC; a bad commit is refused and the next good one applies; with
// --verify-signatures only commits signed by an allowed ssh key are applied. plan/apply take --repo too.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { applyConverged, pgbackops } from '../../helpers/cli.js';
import { backupDoc, basicConfig, tempDir } from '../../helpers/config.js';
import { startTestCluster, type TestCluster } from '../../helpers/pg-cluster.js';
import { signBody } from '../../../src/daemon/webhook-signature.js';
import { WAIT, startDaemon, waitFor, type DaemonProcess } from './daemon-process.js';

let cluster: TestCluster;
let work: string;
let repo: string;
let cronFile: string;
let stateDir: string;
let catalogUrl: string;
let catalogConfig: pg.ClientConfig;
let secretFile: string;
const SECRET = 'test-webhook-secret';
const daemons: DaemonProcess[] = [];

const IDENTITY = ['-c', 'user.name=Test Operator', '-c', 'user.email=ops@example.org'];

async function git(...args: string[]): Promise<string> {
  return (await execa('git', [...IDENTITY, ...args], { cwd: repo })).stdout.trim();
}

function writeRepoFiles(files: Record<string, string>): void {
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(repo, 'config', name, '..'), { recursive: true });
    writeFileSync(join(repo, 'config', name), text);
  }
}

async function commit(message: string, sign: string | null = null): Promise<string> {
  await git('add', '-A');
  const signing = sign ? ['-c', 'gpg.format=ssh', '-c', `user.signingkey=${sign}`, 'commit', '-S'] : ['commit'];
  await git(...signing, '-q', '-m', message);
  return git('rev-parse', 'HEAD');
}

async function catalogState(): Promise<{ last_applied_revision: string | null; last_attempted_revision: string | null; last_attempt_error: string | null }> {
  const client = new pg.Client(catalogConfig);
  await client.connect();
  try {
    return (await client.query('select * from pgbackops.catalog_state')).rows[0];
  } finally {
    await client.end();
  }
}

async function webhook(d: DaemonProcess, signature: string | null): Promise<number> {
  const body = JSON.stringify({ ref: 'refs/heads/main' });
  const res = await fetch(`${d.url}/hooks/git`, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', ...(signature === null ? {} : { 'x-hub-signature-256': signature }) },
  });
  return res.status;
}

async function daemon(extra: string[] = []): Promise<DaemonProcess> {
  // A long interval: only the start and webhooks trigger passes in these tests.
  const d = await startDaemon(['--repo', repo, '--path', 'config', '--state-dir', stateDir, '--catalog', catalogUrl, '--server', 'backup01',
    '--interval', '3600', '--webhook-secret-file', secretFile, ...extra]);
  daemons.push(d);
  return d;
}

beforeAll(async () => {
  cluster = await startTestCluster();
});
afterAll(async () => {
  await cluster?.stop();
});
beforeEach(async () => {
  work = tempDir('daemon-git');
  repo = join(work, 'repo');
  cronFile = join(work, 'cron', 'pgbackops');
  stateDir = join(work, 'state');
  secretFile = join(work, 'webhook-secret');
  writeFileSync(secretFile, SECRET + '\n', { mode: 0o600 });
  mkdirSync(repo);
  await execa('git', ['init', '-q', '-b', 'main'], { cwd: repo });
  catalogConfig = await cluster.createDatabase();
  catalogUrl = cluster.urlFor(catalogConfig);
});
afterEach(async () => {
  for (const d of daemons.splice(0)) await d.stop('SIGKILL');
});

describe('daemon following a git repository', () => {
  it('applies commits as their SHA, on webhooks with a valid HMAC only; a bad commit waits for the next good one', async () => {
    writeRepoFiles(basicConfig(cronFile, [{ name: 'job-a' }]));
    const first = await commit('first');
    const d = await daemon();
    await waitFor(async () => (await catalogState()).last_applied_revision === first, WAIT, () => 'first commit applied');
    await waitFor(async () => (await d.status()).revision === first, WAIT, () => 'status shows the first commit');

    writeRepoFiles({ 'backups.yaml': [{ name: 'job-a' }, { name: 'job-b' }].map(backupDoc).join('---\n') });
    const second = await commit('second');
    expect(await webhook(d, null)).toBe(401);
    expect(await webhook(d, signBody('wrong-secret', JSON.stringify({ ref: 'refs/heads/main' })))).toBe(401);
    await new Promise((r) => setTimeout(r, 500));
    expect((await catalogState()).last_applied_revision).toBe(first);

    expect(await webhook(d, signBody(SECRET, JSON.stringify({ ref: 'refs/heads/main' })))).toBe(202);
    await waitFor(async () => (await catalogState()).last_applied_revision === second, WAIT, () => 'second commit applied');
    // The schedule is written right after the catalog commit.
    await waitFor(() => readFileSync(cronFile, 'utf8').includes('pgbackops:job-b:'), WAIT, () => 'job-b scheduled');

    // A bad commit: nothing applied, the attempt and its error recorded, status says why.
    writeRepoFiles({ 'backups.yaml': backupDoc({ name: 'job-a', schedule: '61 * * * *' }) });
    const bad = await commit('bad');
    expect(await webhook(d, signBody(SECRET, 'x'.repeat(10)))).toBe(401);
    const good = signBody(SECRET, JSON.stringify({ ref: 'refs/heads/main' }));
    expect(await webhook(d, good)).toBe(202);
    await waitFor(async () => (await catalogState()).last_attempted_revision === bad, WAIT, () => 'bad commit attempted');
    const state = await catalogState();
    expect(state.last_applied_revision).toBe(second);
    expect(state.last_attempt_error).toContain('invalid');
    const status = await d.status();
    expect(status.rejected).toMatchObject({ revision: bad, result: 'invalid' });
    expect((await d.get('/readyz')).status).toBe(503);

    writeRepoFiles({ 'backups.yaml': [{ name: 'job-a' }, { name: 'job-b' }, { name: 'job-c' }].map(backupDoc).join('---\n') });
    const fixed = await commit('fixed');
    expect(await webhook(d, good)).toBe(202);
    await waitFor(async () => (await catalogState()).last_applied_revision === fixed, WAIT, () => 'fixed commit applied');
    await waitFor(async () => (await d.get('/readyz')).status === 200);

    // plan/apply take the same source flags: the plan of the current head is empty.
    const plan = await pgbackops(['plan', '--detailed-exitcode', '--repo', repo, '--path', 'config', '--state-dir', stateDir, '--catalog', catalogUrl, '--server', 'backup01']);
    expect(plan.stdout, plan.stderr).toContain(`revision ${fixed.slice(0, 12)}`);
    expect(plan.stdout).toContain('No changes.');
    expect(plan.exitCode).toBe(0);
    // ... and an older ref plans the difference.
    const older = await pgbackops(['plan', '--detailed-exitcode', '--allow-mass-delete', '--repo', repo, '--ref', first, '--path', 'config', '--state-dir', stateDir, '--catalog', catalogUrl, '--server', 'backup01']);
    expect(older.exitCode).toBe(2);
    expect(older.stdout).toContain(`revision ${first.slice(0, 12)}`);
  }, 180_000);

  it('applies only commits signed by an allowed ssh key; /status says why a head is refused', async () => {
    const { keys, allowed } = await makeKeys();

    writeRepoFiles(basicConfig(cronFile, [{ name: 'job-a' }]));
    const signed = await commit('signed', join(keys, 'good'));
    const d = await daemon(['--verify-signatures', '--allowed-signers', allowed]);
    await waitFor(async () => (await catalogState()).last_applied_revision === signed, WAIT, () => 'signed commit applied');

    const hook = signBody(SECRET, '{}');
    const post = () => fetch(`${d.url}/hooks/git`, { method: 'POST', body: '{}', headers: { 'x-hub-signature-256': hook } });
    writeRepoFiles({ 'backups.yaml': [{ name: 'job-a' }, { name: 'job-b' }].map(backupDoc).join('---\n') });
    const unsigned = await commit('unsigned');
    expect((await post()).status).toBe(202);
    const s1 = await waitFor(async () => {
      const s = await d.status();
      return s.rejected?.revision === unsigned ? s : null;
    }, WAIT, () => 'unsigned commit refused');
    expect(s1.rejected.result).toBe('unverified');
    expect(s1.rejected.error).toContain('not signed by an allowed signer');

    writeRepoFiles({ 'backups.yaml': [{ name: 'job-a' }, { name: 'job-c' }].map(backupDoc).join('---\n') });
    const wrongKey = await commit('wrong key', join(keys, 'other'));
    expect((await post()).status).toBe(202);
    await waitFor(async () => (await d.status()).rejected?.revision === wrongKey, WAIT, () => 'wrongly signed commit refused');
    expect((await catalogState()).last_applied_revision).toBe(signed);
    expect(readFileSync(cronFile, 'utf8')).not.toContain('pgbackops:job-c:');

    // A signed commit on top does not vouch for the unsigned and wrongly signed ones since the last applied
    // revision: every commit in between is verified, and the message names the newest offender.
    writeRepoFiles({ 'backups.yaml': [{ name: 'job-a' }, { name: 'job-d' }].map(backupDoc).join('---\n') });
    const signedOnTop = await commit('signed on top', join(keys, 'good'));
    expect((await post()).status).toBe(202);
    const s2 = await waitFor(async () => {
      const s = await d.status();
      return s.rejected?.revision === signedOnTop ? s : null;
    }, WAIT, () => 'signed head over unsigned history refused');
    expect(s2.rejected.result).toBe('unverified');
    expect(s2.rejected.error).toContain(`commit ${wrongKey}, between the last applied revision ${signed.slice(0, 12)} and ${signedOnTop}`);
    expect((await catalogState()).last_applied_revision).toBe(signed);

    // The same through a merge: a branch with an unsigned commit, merged by a signed merge commit.
    await git('reset', '-q', '--hard', signed);
    await git('checkout', '-q', '-b', 'side');
    writeRepoFiles({ 'backups.yaml': [{ name: 'job-a' }, { name: 'job-e' }].map(backupDoc).join('---\n') });
    const sideUnsigned = await commit('unsigned on a branch');
    await git('checkout', '-q', 'main');
    await git('-c', 'gpg.format=ssh', '-c', `user.signingkey=${join(keys, 'good')}`, 'merge', '-q', '-S', '--no-ff', '-m', 'signed merge', 'side');
    const merge = await git('rev-parse', 'HEAD');
    expect((await post()).status).toBe(202);
    await waitFor(async () => (await d.status()).rejected?.revision === merge, WAIT, () => 'signed merge of an unsigned branch refused');
    expect((await d.status()).rejected.error).toContain(`commit ${sideUnsigned}, between`);

    // History rewritten to hold only signed commits since the applied one: applied.
    await git('reset', '-q', '--hard', signed);
    writeRepoFiles({ 'backups.yaml': [{ name: 'job-a' }, { name: 'job-d' }].map(backupDoc).join('---\n') });
    const good = await commit('good again', join(keys, 'good'));
    expect((await post()).status).toBe(202);
    await waitFor(async () => (await catalogState()).last_applied_revision === good, WAIT, () => 'good commit applied');
    await waitFor(async () => (await d.status()).rejected === null, WAIT, () => 'status cleared the refusal');
  }, 180_000);

  it('reports a refused revision once: polls neither verify it again nor log it, move rejected.since or the catalog attempt', async () => {
    const { keys, allowed } = await makeKeys();
    writeRepoFiles(basicConfig(cronFile, [{ name: 'job-a' }]));
    const signed = await commit('signed', join(keys, 'good'));
    // Polls every 0.2 s.
    const d = await daemon(['--verify-signatures', '--allowed-signers', allowed, '--interval', '0.2']);
    await waitFor(async () => (await catalogState()).last_applied_revision === signed, WAIT, () => 'signed commit applied');

    writeRepoFiles({ 'backups.yaml': [{ name: 'job-a' }, { name: 'job-b' }].map(backupDoc).join('---\n') });
    const unsigned = await commit('unsigned');
    const first = await waitFor(async () => {
      const s = await d.status();
      return s.rejected?.revision === unsigned ? s : null;
    }, WAIT, () => 'unsigned commit refused');
    const attempt = await catalogAttempt();
    expect(attempt.last_attempted_revision).toBe(unsigned);
    const passesBefore = fullPasses(d);
    await waitFor(() => fullPasses(d) >= passesBefore + 10, WAIT, () => '10 more polls');

    const later = await d.status();
    expect(later.rejected).toEqual(first.rejected);
    expect(later.last_full_pass.result).toBe('unverified');
    expect(await catalogAttempt()).toEqual(attempt);
    expect(d.logs.filter((l) => l.msg.startsWith('revision not applied')).length).toBe(1);
  }, 180_000);
});

describe('plan and apply --repo with signatures', () => {
  const cli = (...args: string[]) => pgbackops([...args, '--repo', repo, '--path', 'config', '--state-dir', stateDir, '--catalog', catalogUrl, '--server', 'backup01']);

  it('--allowed-signers alone verifies; a missing file is named; commits since the applied revision are verified', async () => {
    const { keys, allowed } = await makeKeys();
    writeRepoFiles(basicConfig(cronFile, [{ name: 'job-a' }]));
    const wrongKey = await commit('wrong key', join(keys, 'other'));

    // Either flag alone: --allowed-signers implies verification, --verify-signatures demands the file.
    const refused = await cli('apply', '--yes', '--allowed-signers', allowed);
    expect(refused.exitCode, refused.stdout).toBe(1);
    expect(refused.stderr).toContain(`commit ${wrongKey} is not signed by an allowed signer`);
    expect((await catalogState())?.last_applied_revision ?? null).toBeNull();
    const noFile = await cli('apply', '--yes', '--verify-signatures');
    expect(noFile.exitCode).toBe(1);
    expect(noFile.stderr).toContain('--verify-signatures needs --allowed-signers FILE');

    // A missing allowed signers file says so (git itself only says "No principal matched.").
    const missing = join(work, 'no-such-allowed-signers');
    const gone = await cli('apply', '--yes', '--verify-signatures', '--allowed-signers', missing);
    expect(gone.exitCode).toBe(1);
    expect(gone.stderr).toContain(`the allowed signers file ${missing} does not exist`);

    // Signed: applied (and converged).
    writeRepoFiles({ 'backups.yaml': backupDoc({ name: 'job-a', schedule: '42 1 * * *' }) });
    const signed = await commit('signed', join(keys, 'good'));
    await applyConverged(cli, '--allowed-signers', allowed);
    expect((await catalogState()).last_applied_revision).toBe(signed);

    // An unsigned commit under a signed head, since the applied revision: refused, naming it.
    writeRepoFiles({ 'backups.yaml': [{ name: 'job-a' }, { name: 'job-b' }].map(backupDoc).join('---\n') });
    const unsigned = await commit('unsigned');
    writeRepoFiles({ 'retention.yaml': readFileSync(join(repo, 'config', 'retention.yaml'), 'utf8') + '\n' });
    const head = await commit('signed on top', join(keys, 'good'));
    const planned = await cli('plan', '--allowed-signers', allowed);
    expect(planned.exitCode).toBe(1);
    expect(planned.stderr).toContain(`commit ${unsigned}, between the last applied revision ${signed.slice(0, 12)} and ${head}`);
    const applied = await cli('apply', '--yes', '--allowed-signers', allowed);
    expect(applied.exitCode).toBe(1);
    expect((await catalogState()).last_applied_revision).toBe(signed);
  }, 180_000);
});

async function makeKeys(): Promise<{ keys: string; allowed: string }> {
  const keys = join(work, 'keys');
  mkdirSync(keys, { mode: 0o700 });
  await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'ops', '-f', join(keys, 'good')]);
  await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'intruder', '-f', join(keys, 'other')]);
  const allowed = join(keys, 'allowed_signers');
  writeFileSync(allowed, `ops@example.org ${readFileSync(join(keys, 'good.pub'), 'utf8').trim()}\n`);
  return { keys, allowed };
}

async function catalogAttempt(): Promise<Record<string, unknown>> {
  const client = new pg.Client(catalogConfig);
  await client.connect();
  try {
    return (await client.query('select last_attempted_revision, last_attempted_at, last_attempt_error from pgbackops.catalog_state')).rows[0];
  } finally {
    await client.end();
  }
}

function fullPasses(d: DaemonProcess): number {
  return d.logs.filter((l) => l.msg === 'pass started' && l.kind === 'full').length;
}
