// `plan` through its configuration load cache (engine/config-load-cache.ts), end to end as a process: the
// plan with the cache is the plan without it (`--no-cache`) when nothing changed, after an edit that keeps the
// file's size and modification time (`touch -d`), and with a corrupted cache file; the cache lives under the
// state directory's plan-cache/. No catalog: plan then plans against an empty one (docs/cli.md).
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgbackops } from '../../helpers/cli.js';
import { basicConfig, writeConfig } from '../../helpers/config.js';

let work: string;
let configDir: string;
let stateDir: string;

beforeAll(async () => {
  work = await mkdtemp(join(os.tmpdir(), 'pgbo-plan-cache-'));
  await chmod(work, 0o711);
  configDir = join(work, 'config');
  stateDir = join(work, 'state');
  writeConfig(configDir, basicConfig(join(work, 'cron', 'pgbackops'), [{ name: 'nightly' }, { name: 'hourly' }]));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

const plan = (...args: string[]) => pgbackops(['-c', configDir, '--state-dir', stateDir, 'plan', '--json', ...args], { PGBACKOPS_CATALOG_URL: '' });
const cacheDir = () => join(stateDir, 'plan-cache');

/** `plan --json` with the cache and without it: the same document; returns it and what the cache did. */
async function bothWays(): Promise<{ stdout: string; cache: Record<string, unknown> }> {
  const cached = await plan('--log-level', 'info');
  const reference = await plan('--no-cache');
  expect(cached.exitCode, cached.stderr).toBe(0);
  expect(reference.exitCode, reference.stderr).toBe(0);
  expect(cached.stdout).toBe(reference.stdout);
  const line = cached.stderr.split('\n').find((l) => l.includes('configuration load cache used'));
  return { stdout: cached.stdout, cache: JSON.parse(line!) as Record<string, unknown> };
}

describe('plan with its load cache', () => {
  it('creates no state directory of its own', async () => {
    expect((await plan()).exitCode).toBe(0);
    expect(existsSync(stateDir)).toBe(false);
    mkdirSync(stateDir, { mode: 0o711 });
  });

  it('gives the plan --no-cache gives: unchanged, after a same-size same-mtime edit, with a corrupted cache', async () => {
    const first = await bothWays();
    expect(first.cache).toMatchObject({ validationCached: false, written: true });
    expect(readdirSync(cacheDir())).toHaveLength(1);
    const cacheFile = join(cacheDir(), readdirSync(cacheDir())[0]!);
    expect(statSync(cacheFile).mode & 0o777).toBe(0o600);

    const unchanged = await bothWays();
    expect(unchanged.stdout).toBe(first.stdout);
    expect(unchanged.cache.validationCached).toBe(true);

    // The same size, the modification time put back as `touch -d` would: the content still decides.
    const file = join(configDir, 'backups.yaml');
    const before = statSync(file);
    const text = readFileSync(file, 'utf8');
    const edited = text.replace('schedule: "41 1 * * *"', 'schedule: "41 2 * * *"');
    expect(edited).not.toBe(text);
    expect(Buffer.byteLength(edited)).toBe(before.size);
    writeFileSync(file, edited);
    utimesSync(file, before.atime, before.mtime);
    const afterEdit = await bothWays();
    expect(afterEdit.stdout).not.toBe(first.stdout);
    expect(afterEdit.cache.validationCached).toBe(false);

    writeFileSync(cacheFile, readFileSync(cacheFile, 'utf8').replace('"nightly"', '"nightlx"'));
    const corrupted = await bothWays();
    expect(corrupted.stdout).toBe(afterEdit.stdout);
    expect(corrupted.cache).toMatchObject({ recalled: 0, validationCached: false, written: true });
  });
});
