// The cron.d target on a real file system: ownership rules, mode, owner, atomic replacement.
import { chmod, link, lstat, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createScheduleTarget, type ScheduleTarget } from '../../../src/adapters/schedule/index.js';
import { sha256Hex } from '../../../src/core/canonical.js';
import type { ScheduleEntry } from '../../../src/core/schedule/entry.js';
import { buildEntry, renderCronDFile } from '../../../src/core/schedule/render.js';

const READ_LOOP = fileURLToPath(new URL('./fixtures/read-loop.mjs', import.meta.url));
const isRoot = process.getuid?.() === 0;
const line = { binary: '/usr/local/bin/pgbackops', stateDir: '/var/lib/pgbackops' };
const pathEnv = '/usr/local/bin:/usr/bin:/bin';

let dir: string;
let file: string;
let target: ScheduleTarget;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pgbo-crond-'));
  file = join(dir, 'pgbackops');
  target = createScheduleTarget({ type: 'cron.d', file, user: 'backup' }, { ...line, serverName: 'b1', pathEnv });
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function entries(n: number, prefix = 'db'): ScheduleEntry[] {
  return Array.from({ length: n }, (_, i) => buildEntry({ name: `${prefix}-${i}`, schedule: `${i % 60} 2 * * *`, timezone: 'UTC' }, target.lineOptions));
}

describe('cron.d target', () => {
  it('builds lines with the configured user and defaults to root and /etc/cron.d/pgbackops', () => {
    expect(target.lineOptions).toEqual({ ...line, user: 'backup', server: 'b1' });
    expect(target.description).toBe(`cron.d file ${file}`);
    const defaults = createScheduleTarget({ type: 'cron.d' }, { ...line, serverName: 'b1', pathEnv });
    expect(defaults.lineOptions.user).toBe('root');
    expect(defaults.description).toBe('cron.d file /etc/cron.d/pgbackops');
  });

  it('writes the rendered file, mode 0644, owned by root when root, and reads it back', async () => {
    const wanted = entries(3);
    await target.write(wanted);
    expect(await readFile(file, 'utf8')).toBe(renderCronDFile(wanted, { ...target.lineOptions, pathEnv }));
    const st = await lstat(file);
    expect(st.mode & 0o7777).toBe(0o644);
    if (isRoot) expect([st.uid, st.gid]).toEqual([0, 0]);
    const observed = await target.read();
    expect(observed).toMatchObject({ present: true, problems: [], contentHash: sha256Hex(await readFile(file)) });
    expect(observed.entries.map((e) => [e.name, e.hash, e.edited])).toEqual(wanted.map((e) => [e.name, e.hash, false]));
    // No temp file left behind.
    expect(await readdir(dir)).toEqual(['pgbackops']);
  });

  it('is absent before the first write, and keeps a header-only file when the entries go', async () => {
    expect(await target.read()).toEqual({ entries: [], contentHash: sha256Hex(''), present: false, problems: [] });
    await target.write(entries(2));
    await target.write([]);
    expect(await target.read()).toMatchObject({ present: true, entries: [], problems: [] });
  });

  it('does not touch the file when it is already right, and fixes mode and content drift', async () => {
    await target.write(entries(2));
    const before = await lstat(file);
    await target.write(entries(2));
    const after = await lstat(file);
    expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs]);

    await chmod(file, 0o666);
    expect((await target.read()).problems).toEqual(['file mode 0666, expected 0644']);
    await target.write(entries(2));
    expect((await lstat(file)).mode & 0o7777).toBe(0o644);
    expect((await target.read()).problems).toEqual([]);

    const text = await readFile(file, 'utf8');
    await writeFile(file, text.replace('0 2 * * * backup', '5 2 * * * backup'));
    expect((await target.read()).entries.find((e) => e.name === 'db-0')).toMatchObject({ edited: true, schedule: '5 2 * * *' });
    await target.write(entries(2));
    expect(await readFile(file, 'utf8')).toBe(text);
  });

  it('reports a second hard link, which makes cron ignore the file', async () => {
    await target.write(entries(1));
    await link(file, join(dir, 'other'));
    expect((await target.read()).problems).toEqual(['2 hard links: cron ignores cron.d files with more than one']);
    await target.write(entries(1)); // the rename gives the name a fresh inode
    expect((await target.read()).problems).toEqual([]);
  });

  it('refuses to overwrite a file it did not write, or a symlink', async () => {
    const foreign = '# installed by someone else\n* * * * * root /usr/bin/true\n';
    await writeFile(file, foreign);
    await expect(target.read()).rejects.toMatchObject({ code: 'SCHEDULE_FOREIGN_FILE' });
    await expect(target.write(entries(1))).rejects.toMatchObject({ code: 'SCHEDULE_FOREIGN_FILE' });
    expect(await readFile(file, 'utf8')).toBe(foreign);

    await rm(file);
    await writeFile(join(dir, 'real'), renderCronDFile([], { ...target.lineOptions, pathEnv }));
    await symlink(join(dir, 'real'), file);
    await expect(target.write(entries(1))).rejects.toMatchObject({ code: 'SCHEDULE_FOREIGN_FILE' });
    expect((await lstat(file)).isSymbolicLink()).toBe(true);
  });

  it('refuses file names cron would ignore and unsafe paths', () => {
    for (const bad of [join(dir, 'pgbackops.cron'), join(dir, 'pg backops'), 'relative/pgbackops', `${dir}/../x/pgbackops`, join(dir, 'pg%ops')]) {
      expect(() => createScheduleTarget({ type: 'cron.d', file: bad }, { ...line, serverName: 'b1', pathEnv }), bad).toThrow(/cron\.d file/);
    }
    expect(() => createScheduleTarget({ type: 'cron.d', file, user: 'root;id' }, { ...line, serverName: 'b1', pathEnv })).toThrow(/user/);
    expect(() => createScheduleTarget({ type: 'cron.d', file }, { ...line, binary: '/x y', serverName: 'b1', pathEnv })).toThrow(/binary/);
  });

  it('replaces atomically: a reader in another process never sees a partial or missing file (200 writes)', async () => {
    const versions = [entries(1), entries(40, 'big'), entries(7, 'mid'), []];
    const valid = new Set(versions.map((v) => sha256Hex(renderCronDFile(v, { ...target.lineOptions, pathEnv }))));
    await target.write(versions[0]!);
    const stopFile = join(dir, 'stop');
    const reader = execa(process.execPath, [READ_LOOP, file, stopFile]);
    await new Promise<void>((resolve) => {
      reader.stdout!.on('data', (chunk: Buffer) => {
        if (chunk.toString().startsWith('ready')) resolve();
      });
    });
    for (let i = 1; i <= 200; i++) await target.write(versions[i % versions.length]!);
    await writeFile(stopFile, '');
    const { stdout } = await reader;
    const seen = JSON.parse(stdout.trim().split('\n').at(-1)!) as { reads: number; missing: number; seen: Record<string, number> };
    console.log(`atomic replace: ${seen.reads} reads by another process during 200 writes, ${Object.keys(seen.seen).length} distinct contents seen`);
    expect(seen.missing).toBe(0);
    expect(Object.keys(seen.seen).filter((h) => !valid.has(h))).toEqual([]);
    // The reader really ran during the writes: it saw the file change.
    expect(Object.keys(seen.seen).length).toBeGreaterThan(1);
    expect((await readdir(dir)).sort()).toEqual(['pgbackops', 'stop']);
  });
});
