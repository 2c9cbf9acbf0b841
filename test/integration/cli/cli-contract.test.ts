// The command line as scripts meet it, through the built CLI as a real process: one exit-code rule for
// every command (docs/cli.md), flag values checked before anything runs, -v / --quiet, errors that name
// the component and the next step, and `plan` on a state directory without a catalog changing nothing.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stopLocalCatalog } from '../../../src/adapters/catalog/local-catalog.js';
import { applyConverged, pgbackops } from '../../helpers/cli.js';
import { basicConfig, writeConfig } from '../../helpers/config.js';
import { startTestCluster, type TestCluster } from '../../helpers/pg-cluster.js';
import { freePort } from '../../helpers/free-port.js';

let work: string;
let configDir: string;

beforeAll(async () => {
  work = await mkdtemp(join(os.tmpdir(), 'pgbo-cli-'));
  // The local catalog's instance user (postgres, when root) must be able to enter the state directory.
  await chmod(work, 0o711);
  configDir = join(work, 'config');
  writeConfig(configDir, basicConfig(join(work, 'cron', 'pgbackops'), [{ name: 'nightly' }]));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** No catalog reachable and no state: what fails here must fail before it needs one. */
function offline(...args: string[]) {
  return pgbackops(['-c', configDir, '--state-dir', join(work, 'offline-state'), '--catalog', 'postgresql://nobody@127.0.0.1:9/none', ...args]);
}

describe('exit codes: 0 success, 1 any error (usage errors included), 2 only with --detailed-exitcode', () => {
  it.each([
    ['restore without --yes, not on a TTY', ['restore', 'abcd', '--to-node', 'pg1']],
    ['backups --limit 0', ['backups', '--limit', '0']],
    ['backups --since that is not a time', ['backups', '--since', 'yesterday']],
    ['backups --status that is not a status', ['backups', '--status', 'great']],
    ['history --limit that is not a number', ['history', '--limit', 'ten']],
    ['verify without a backup', ['verify']],
    ['maintain --dry-run --one-offs-only', ['maintain', '--dry-run', '--one-offs-only']],
    ['apply without --yes, not on a TTY', ['apply']],
    ['an unknown option', ['plan', '--frobnicate']],
    ['an unknown command', ['frobnicate']],
    ['a missing argument', ['show']],
    ['--log-level chatty', ['--log-level', 'chatty', 'validate']],
    ['--lock-timeout abc', ['--lock-timeout', 'abc', 'validate']],
    ['--quiet with --verbose', ['-q', '-v', 'validate']],
    ['plan --detailed-exitcode with a bad flag value (never 2: that would read as "changes")', ['plan', '--detailed-exitcode', '--mass-delete-share', 'lots']],
  ])('%s exits 1', async (_what, args) => {
    const r = await offline(...args);
    expect(r.stderr).not.toBe('');
    expect(r.exitCode).toBe(1);
  });

  it('a bad PGBACKOPS_LOG_LEVEL is an error too, not a silently different level', async () => {
    const r = await pgbackops(['-c', configDir, 'validate'], { PGBACKOPS_LOG_LEVEL: 'chatty' });
    expect(r.stderr).toContain('PGBACKOPS_LOG_LEVEL must be one of');
    expect(r.exitCode).toBe(1);
  });

  it('--help and --version exit 0', async () => {
    expect((await offline('--help')).exitCode).toBe(0);
    expect((await offline('plan', '--help')).exitCode).toBe(0);
    expect((await offline('--version')).exitCode).toBe(0);
  });

  it('docs/cli.md has a row for every command in its exit-code table', async () => {
    const doc = readFileSync(new URL('../../../docs/cli.md', import.meta.url), 'utf8');
    const help = (await offline('--help')).stdout;
    const commands = [...help.slice(help.indexOf('Commands:')).matchAll(/^ {2}([a-z]+)\b/gm)].map((m) => m[1]!).filter((c) => c !== 'help');
    expect(commands.length).toBeGreaterThan(10);
    for (const c of commands) expect(doc, `docs/cli.md: exit codes of ${c}`).toMatch(new RegExp(`^\\| \`${c}\\b`, 'm'));
  });
});

describe('errors name the component and the next step', () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await startTestCluster({ tcp: true });
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('an unreachable catalog: which catalog, why, what to do', async () => {
    const r = await offline('backups');
    expect(r.stderr).toContain('cannot open the catalog (central catalog postgresql://nobody@127.0.0.1:9/none)');
    expect(r.stderr).toContain('cannot-connect');
    expect(r.stderr).toMatch(/Next step: check that the catalog's PostgreSQL runs/);
    expect(r.exitCode).toBe(1);
  });

  it('a catalog database that does not exist: not a bare 3D000', async () => {
    const url = cluster.urlFor({ ...cluster.config, database: 'no_such_catalog' });
    const r = await pgbackops(['--catalog', url, '--state-dir', join(work, 'offline-state'), 'backups']);
    expect(r.stderr).toContain('database-missing');
    expect(r.stderr).toContain('createdb');
    expect(r.stderr).not.toMatch(/error 3D000/);
    expect(r.exitCode).toBe(1);
  });

  it('status --daemon at an address where no daemon listens: not "fetch failed"', async () => {
    const port = await freePort();
    const r = await offline('status', '--daemon', `http://127.0.0.1:${port}`);
    expect(r.stderr).toContain(`cannot reach the daemon at http://127.0.0.1:${port}: ECONNREFUSED`);
    expect(r.stderr).toContain('pgbackops daemon');
    expect(r.stderr).not.toContain('fetch failed');
    expect(r.exitCode).toBe(1);
  });

  it('a daemon whose --listen address is taken says so, and what to do', async () => {
    const db = await cluster.createDatabase();
    const busy = await listeningServer();
    const port = (busy.address() as { port: number }).port;
    try {
      const r = await pgbackops([
        '-c', configDir, '--state-dir', join(work, 'daemon-state'), '--catalog', cluster.urlFor(db), '--server', 'backup01',
        'daemon', '--listen', `127.0.0.1:${port}`, '--maintain-schedule', 'off',
      ], { PGBACKOPS_LOG_LEVEL: 'error' });
      expect(r.stderr).toContain(`cannot listen on 127.0.0.1:${port}`);
      expect(r.stderr).toContain('the address is in use');
      expect(r.stderr).toContain('choose another --listen');
      expect(r.exitCode).toBe(1);
    } finally {
      busy.close();
    }
  });
});

describe('plan on a state directory without a catalog', () => {
  const stateDir = () => join(work, 'fresh-state');
  const cli = (...args: string[]) => pgbackops(['-c', configDir, '--state-dir', stateDir(), ...args], { PGBACKOPS_CATALOG_URL: '' });
  afterAll(async () => {
    await stopLocalCatalog(stateDir(), 'immediate').catch(() => undefined);
  });

  it('changes nothing: no initdb, no server left running; every object a create; apply creates the catalog', async () => {
    const plan = await cli('plan', '--detailed-exitcode');
    expect(plan.stderr).toBe('');
    for (const object of ['BackupServer backup01', 'Node pg1', 'Retention standard', 'Backup nightly']) expect(plan.stdout).toContain(`+ ${object}`);
    expect(plan.exitCode).toBe(2);
    expect(existsSync(join(stateDir(), 'catalog'))).toBe(false);
    expect(processesMentioning(stateDir())).toEqual([]);

    const verbose = await cli('-v', 'plan');
    expect(verbose.stderr).toContain('the local catalog does not exist yet: planning against an empty catalog');
    expect(existsSync(join(stateDir(), 'catalog'))).toBe(false);

    await applyConverged(cli);
    expect(existsSync(join(stateDir(), 'catalog', 'data', 'PG_VERSION'))).toBe(true);
  });

  it('-v shows each step of plan and apply; without it, nothing on stderr; --quiet keeps the result', async () => {
    const plan = await cli('-v', 'plan');
    for (const step of ['configuration loaded and valid', 'catalog opened', 'catalog state read', 'schedule target read', 'plan made']) {
      expect(plan.stderr, step).toContain(step);
    }

    writeConfig(configDir, basicConfig(join(work, 'cron', 'pgbackops'), [{ name: 'nightly' }, { name: 'hourly', schedule: '7 * * * *' }]));
    const debug = await cli('--log-level', 'debug', 'plan');
    expect(debug.stderr).toMatch(/"op":"create","kind":"Backup","name":"hourly".*"msg":"planned catalog action"/);
    const apply = await cli('-v', 'apply', '--yes');
    for (const step of ['apply lock taken', 'catalog changes committed', 'definition cache written', 'schedule converged']) {
      expect(apply.stderr, step).toContain(step);
    }
    expect(apply.exitCode).toBe(0);
    expect((await cli('plan')).stderr).toBe('');

    const quiet = await cli('--quiet', 'plan', '--detailed-exitcode');
    expect(quiet.stderr).toBe('');
    expect(quiet.stdout).toContain('No changes.');
    expect(quiet.exitCode).toBe(0);
  });
});

/** Command lines of live processes that contain `text` (a postmaster started under it would). */
function processesMentioning(text: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (cmdline.includes(text)) found.push(`${pid}: ${cmdline}`);
    } catch {
      /* gone meanwhile */
    }
  }
  return found;
}

function listeningServer(): Promise<Server> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}
