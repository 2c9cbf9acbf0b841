// What `pgbackops run` keeps in its state directory (per server, across an upgrade in place), and retention
// of what runs recorded: prune, a removed definition, failing definitions, an interrupted expiry.
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { applyConverged } from '../../helpers/cli.js';
import { catalogConfig, cli, node, run, runs, setUp, stateDir, useRunFixture } from '../../helpers/run-fixture.js';

useRunFixture();

describe('the state directory', () => {
  // cache/tool-versions.json (written by the first run) was once read as the definition cache of every server
  // sorting after it. "tool-versions" itself is a valid server name too.
  it.each(['zz-backup', 'tool-versions'])('server %s: every kind of state file has its own place', async (server) => {
    await setUp({ shop: 'databases: [second]\nretention: standard' }, { server });
    for (let i = 0; i < 2; i++) {
      const result = await run('shop');
      expect(result.stderr).toBe('');
      expect(result.exitCode).toBe(0);
    }
    expect(existsSync(join(stateDir, 'cache', 'tool-versions.json'))).toBe(true);
    expect((await runs('shop')).map((r) => r.status)).toEqual(['succeeded', 'succeeded']);

    const unknown = await run('no-such-definition');
    expect(unknown.exitCode).toBe(1);
    expect(unknown.stderr).toMatch(/error E_DEFINITION_UNKNOWN: definition "no-such-definition" is not scheduled on this server/);

    const maintain = await cli('maintain', '--json');
    expect(maintain.exitCode, maintain.stderr).toBe(0);
    expect(JSON.parse(maintain.stdout).servers.map((s: { server: string }) => s.server)).toEqual([server]);
  });

  it('a server upgraded in place runs from the old layout until the next apply moves its cache; a foreign format is refused', async () => {
    await setUp({ shop: 'databases: [second]\nretention: standard' });
    // What the previous version left: the cache directly under cache/, beside a tool-versions file in its old format.
    const cacheDir = join(stateDir, 'cache');
    renameSync(join(cacheDir, 'definitions', 'backup01.json'), join(cacheDir, 'backup01.json'));
    rmSync(join(cacheDir, 'definitions'), { recursive: true });
    writeFileSync(join(cacheDir, 'tool-versions.json'), JSON.stringify({ '/usr/bin/pg_dump': { stamp: 'x', tool: { path: '/usr/bin/pg_dump', major: 1, version: '1.0' } } }));
    const upgraded = await run('shop');
    expect(upgraded.stderr).toBe('');
    expect(upgraded.exitCode).toBe(0);
    expect((await runs('shop')).map((r) => r.status)).toEqual(['succeeded']);
    const maintain = await cli('maintain', '--json');
    expect(JSON.parse(maintain.stdout).servers.map((s: { server: string }) => s.server)).toEqual(['backup01']);
    // The tool-versions file in the old format was not trusted: it is rewritten in its current format.
    expect(JSON.parse(readFileSync(join(cacheDir, 'tool-versions.json'), 'utf8'))).toMatchObject({ formatVersion: 1 });

    await applyConverged(cli);
    expect(existsSync(join(cacheDir, 'definitions', 'backup01.json'))).toBe(true);
    expect(existsSync(join(cacheDir, 'backup01.json'))).toBe(false);
    expect((await run('shop')).exitCode).toBe(0);

    const newer = join(cacheDir, 'definitions', 'backup01.json');
    writeFileSync(newer, JSON.stringify({ ...JSON.parse(readFileSync(newer, 'utf8')), formatVersion: 2 }));
    const refused = await run('shop');
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toMatch(/error E_CACHE_FORMAT: the definition cache .*backup01\.json has format version 2 \(written by a newer pgbackops\)/);
  });
});

describe('retention', () => {
  it('expires what the policy does not keep: files first, then rows; never the newest', async () => {
    await setUp({ often: `databases: [second]\nretention: { keepLast: 2 }` });
    for (let i = 0; i < 4; i++) expect((await run('often')).exitCode).toBe(0);
    const before = await runs('often');
    expect(before).toHaveLength(4);

    // The plan shows what retention will do, so a retention change is visible in review.
    const plan = await cli('plan');
    expect(plan.stdout).toContain('often second: 2 of 4 backup(s) would expire');

    const dry = await cli('prune', '--dry-run');
    expect(dry.exitCode, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/2 kept, 2 would expire \(dry run\)/);
    expect(await runs('often')).toHaveLength(4);

    const prune = await cli('prune');
    expect(prune.stdout).toMatch(/2 kept, 2 expired/);
    const after = await runs('often');
    expect(after.map((r) => r.id)).toEqual(before.slice(2).map((r) => r.id));
    for (const r of before.slice(0, 2)) expect(existsSync(String(r.directory))).toBe(false);
    for (const r of after) expect(existsSync(String(r.directory))).toBe(true);
  });

  it('keeps the backups of a removed definition under the retention they were taken with; --force removes them', async () => {
    await setUp({ keep: `databases: [second]\nretention: standard`, gone: `databases: [second]\nretention: { keepLast: 2 }` });
    for (let i = 0; i < 3; i++) expect((await run('gone')).exitCode).toBe(0);
    await setUp({ keep: `databases: [second]\nretention: standard` }, { blockedDelete: true }); // gone has backups
    await applyConverged(cli, '--prune', '--allow-mass-delete');
    const prune = await cli('prune', '--dry-run', '--verbose-decisions');
    expect(prune.stdout).toMatch(/expire  gone second .*no retention rule keeps it; definition removed from the configuration: last retention applies/);
    expect((await cli('prune')).exitCode).toBe(0);
    expect(await runs('gone')).toHaveLength(2);
    expect((await cli('prune', '--force')).exitCode).toBe(0);
    expect(await runs('gone')).toHaveLength(0);
  });

  it('a failing definition expires nothing, and still nothing once its failed run is older than keepFailedFor', async () => {
    const admin = new pg.Client(node.adminConfig);
    await admin.connect();
    try {
      await admin.query('create database frozen');
      await setUp({ failing: `databases: [frozen]\nretention: { keepLast: 1, keepFailedFor: 1m }` });
      for (let i = 0; i < 3; i++) expect((await run('failing')).exitCode).toBe(0);
      // The database goes away: the next run fails (a real failure, recorded in the same group).
      await admin.query('alter database frozen rename to frozen_gone');
      expect((await run('failing')).exitCode).toBe(1);
    } finally {
      await admin.query('drop database if exists frozen_gone').catch(() => undefined);
      await admin.end();
    }
    const before = await runs('failing');
    expect(before.map((r) => r.status)).toEqual(['succeeded', 'succeeded', 'succeeded', 'failed']);
    expect((await cli('prune')).stdout).toMatch(/4 kept, 0 expired/);

    // Time passes beyond keepFailedFor (every run moved an hour into the past), and no run happens.
    const client = new pg.Client(catalogConfig);
    await client.connect();
    await client.query(`update pgbackops.backup_runs set started_at = started_at - interval '1 hour', finished_at = finished_at - interval '1 hour' where definition = 'failing'`);
    await client.end();
    for (let pass = 0; pass < 2; pass++) {
      const prune = await cli('prune');
      expect(prune.exitCode, prune.stderr).toBe(0);
      expect(prune.stdout).toMatch(/4 kept, 0 expired/);
    }
    const after = await runs('failing');
    expect(after.map((r) => r.id)).toEqual(before.map((r) => r.id));
    for (const r of after) expect(existsSync(String(r.directory))).toBe(true);
    const explained = await cli('prune', '--dry-run', '--verbose-decisions');
    expect(explained.stdout).toMatch(/latest finished run, failed: kept past keepFailedFor/);
  });

  it('finishes an expiry interrupted after the tombstone', async () => {
    await setUp({ often: `databases: [second]\nretention: { keepLast: 1 }` });
    for (let i = 0; i < 2; i++) expect((await run('often')).exitCode).toBe(0);
    const [older, newer] = await runs('often');
    const client = new pg.Client(catalogConfig);
    await client.connect();
    await client.query(`update pgbackops.backup_runs set status = 'expiring' where id = $1`, [older!.id]);
    await client.end();
    expect((await cli('prune')).exitCode).toBe(0);
    expect((await runs('often')).map((r) => r.id)).toEqual([newer!.id]);
    expect(existsSync(String(older!.directory))).toBe(false);
  });
});
