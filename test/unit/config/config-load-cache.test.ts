// The CLI's load cache (engine/config-load-cache.ts) against the reference load: after every step of random
// edit sequences (add, remove and rename files, edits of the same size with the modification time put back
// as `touch -d` does, a file replaced by a symlink, permissions, Unicode, whitespace and NUL bytes, another
// build, another year, a corrupted or truncated cache file), loading through the cache gives exactly what
// reading and validating the whole directory gives; and unchanged files were taken by their stat, unopened.
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadDesiredCached, type CachedLoadOptions } from '../../../src/engine/config-load-cache.js';
import { loadCachePath } from '../../../src/engine/config-load-cache-file.js';
import { loadDesired } from '../../../src/engine/load-desired.js';
import { tempDir } from '../../helpers/config.js';
import { pickWeighted, random } from '../../helpers/random-json.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const head = (kind: string, name: string) => `apiVersion: pgbackops/v1\nkind: ${kind}\nmetadata:\n  name: ${name}\nspec:\n`;
const server = (name: string, tz: string) => `${head('BackupServer', name)}  host: ${name}.example.org\n  backupRoot: /srv/b\n  timezone: ${tz}\n  scheduler: { type: builtin }\n`;
const node = (name: string, srv: string) => `${head('Node', name)}  host: ${name}.db\n  backupServer: ${srv}\n`;
const backup = (name: string, nodeName: string, schedule: string) =>
  `${head('Backup', name)}  node: ${nodeName}\n  databases: [app]\n  type: full\n  schedule: "${schedule}"\n  retention: std\n  rpo: 2d\n`;

/** Schedules of one length, so that swapping them keeps a file's size. */
const SCHEDULES = ['0 3 * * *', '0 4 * * *', '5 1 * * *', '0 3 * * 1', '0 0 1 * *'];
const ODD = ['\u00e9t\u00e9', '\u{1F418}', '\u00a0', '\t', '\u2028', '\u0000'];
const YEAR_2025 = Date.UTC(2025, 5, 1);
const YEAR_2026 = Date.UTC(2026, 5, 1);

const pick = <T,>(next: () => number, xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;

let counter = 0;
const write = (dir: string, rel: string, text: string | Buffer): void => {
  mkdirSync(dirname(join(dir, rel)), { recursive: true });
  writeFileSync(join(dir, rel), text);
};
const read = (dir: string, rel: string): string => readFileSync(join(dir, rel), 'utf8');

/** The files under teams/ (symlinks too when `links`). */
function yamlFiles(dir: string, sub = '', links = false): string[] {
  const out: string[] = [];
  for (const e of readdirSync(join(dir, sub), { withFileTypes: true })) {
    const rel = sub ? `${sub}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...yamlFiles(dir, rel, links));
    else if ((e.isFile() || (links && e.isSymbolicLink())) && /\.ya?ml$/.test(e.name) && rel.startsWith('teams/')) out.push(rel);
  }
  return out.sort();
}

/** Writes `text` (same length as before) and puts the file's modification time back, as `touch -d` would. */
function sameSizeSameMtime(dir: string, rel: string, text: string): void {
  const full = join(dir, rel);
  const before = statSync(full);
  expect(Buffer.byteLength(text)).toBe(before.size);
  writeFileSync(full, text);
  utimesSync(full, before.atime, before.mtime);
}

/** The state of one sequence: the directory, the cache's options (build, year) and the edits. */
interface World {
  dir: string;
  options: CachedLoadOptions;
}

type Edit = (w: World, next: () => number) => void;

const EDITS: Record<string, Edit> = {
  addFile: ({ dir }, next) => write(dir, `teams/${pick(next, ['a', 'b'])}/f${++counter}.yaml`, backup(`gen${counter}`, pick(next, ['n1', 'n2']), pick(next, SCHEDULES))),
  removeFile: ({ dir }, next) => {
    const files = yamlFiles(dir);
    if (files.length > 1) rmSync(join(dir, pick(next, files)));
  },
  renameFile: ({ dir }, next) => {
    const files = yamlFiles(dir);
    const to = `teams/${pick(next, ['a', 'c'])}/renamed-${++counter}.yaml`;
    mkdirSync(dirname(join(dir, to)), { recursive: true });
    renameSync(join(dir, pick(next, files)), join(dir, to));
  },
  editSchedule: ({ dir }, next) => {
    const rel = pick(next, yamlFiles(dir));
    write(dir, rel, read(dir, rel).replace(/schedule: "[^"]*"/, `schedule: "${pick(next, SCHEDULES)}"`));
  },
  /** Same size, mtime put back: only the ctime (and the content) tells. */
  sameSizeSameMtimeEdit: ({ dir }, next) => {
    const rel = pick(next, yamlFiles(dir));
    const text = read(dir, rel);
    const changed = text.replace(/schedule: "[^"]*"/, `schedule: "${pick(next, SCHEDULES)}"`);
    if (Buffer.byteLength(changed) === Buffer.byteLength(text)) sameSizeSameMtime(dir, rel, changed);
  },
  /** A file's time changed, its content not: read again, same digest, the validation's result reused. */
  touchOnly: ({ dir }, next) => {
    const full = join(dir, pick(next, yamlFiles(dir)));
    utimesSync(full, new Date(), new Date(Date.now() - Math.floor(next() * 1e9)));
  },
  permissions: ({ dir }, next) => chmodSync(join(dir, pick(next, yamlFiles(dir))), pick(next, [0o600, 0o644, 0o400, 0o000])),
  symlinkReplacesFile: ({ dir }, next) => {
    const files = yamlFiles(dir);
    const rel = pick(next, files);
    const outside = join(dirname(dir), `${counter++}-outside-${dir.split('/').pop()}.yaml`);
    writeFileSync(outside, next() < 0.5 ? backup(`linked${counter}`, 'n1', '0 2 * * *') : read(dir, pick(next, files)));
    dirs.push(outside);
    rmSync(join(dir, rel));
    symlinkSync(next() < 0.7 ? outside : join(dir, pick(next, files)), join(dir, rel));
  },
  unicodeWhitespaceNul: ({ dir }, next) => {
    const rel = pick(next, yamlFiles(dir));
    let text = read(dir, rel);
    const r = next();
    if (r < 0.3) text = `# ${pick(next, ODD)} ${pick(next, ODD)}\n${text}`;
    else if (r < 0.5) text = text.replace(/\n/g, '  \n');
    else if (r < 0.7) text = `\ufeff${text.replace(/^\ufeff/, '')}`;
    else text = text.replace(/\r?\n/g, '\r\n');
    write(dir, rel, text);
  },
  /** Undoes the errors the edits above make (NUL bytes, symlinks to a copy), so that most steps are valid too. */
  heal: ({ dir }) => {
    for (const rel of yamlFiles(dir, '', true)) {
      if (lstatSync(join(dir, rel)).isSymbolicLink()) {
        rmSync(join(dir, rel));
        continue;
      }
      const text = read(dir, rel);
      if (text.includes('\u0000')) write(dir, rel, text.replace(/\u0000/g, ' '));
    }
  },
  serverTimezone: ({ dir }, next) => write(dir, 'servers.yaml', `${server('s1', pick(next, ['UTC', 'Europe/Berlin', 'America/New_York']))}---\n${server('s2', 'UTC')}`),
  anotherBuild: (w, next) => {
    w.options = { ...w.options, fingerprint: pick(next, ['build-a', 'build-b']) };
  },
  anotherYear: (w) => {
    w.options = { ...w.options, now: w.options.now === YEAR_2025 ? YEAR_2026 : YEAR_2025 };
  },
  corruptCache: ({ dir, options }, next) => {
    const path = loadCachePath(options.stateDir, dir);
    if (!existsSync(path)) return;
    const r = next();
    if (r < 0.3) truncateSync(path, Math.floor(statSync(path).size * next()));
    else if (r < 0.6) {
      // One byte of the body changed: valid JSON still, the checksum says otherwise.
      const bytes = readFileSync(path);
      const at = bytes.indexOf(Buffer.from('"retention":"std"'));
      if (at !== -1) bytes[at + 13] = 0x78;
      writeFileSync(path, bytes);
    } else writeFileSync(path, next() < 0.5 ? '' : '{"format":"something else"}\n{}');
  },
};

const WEIGHTS: Record<string, number> = { sameSizeSameMtimeEdit: 3, touchOnly: 2, permissions: 1.5, heal: 4, anotherBuild: 0.5, anotherYear: 0.5, corruptCache: 0.7 };

function pickEdit(next: () => number): string {
  return pickWeighted(Object.keys(EDITS), WEIGHTS, next);
}

function initialWorld(): World {
  const dir = tempDir('load-cache');
  const stateDir = tempDir('load-cache-state');
  dirs.push(dir, stateDir);
  write(dir, 'servers.yaml', `${server('s1', 'UTC')}---\n${server('s2', 'UTC')}`);
  write(dir, 'retention.yaml', `${head('Retention', 'std')}  keepLast: 3\n`);
  write(dir, 'nodes.yaml', `${node('n1', 's1')}---\n${node('n2', 's2')}`);
  for (let i = 0; i < 6; i++) write(dir, `teams/${i % 2 ? 'a' : 'b'}/f${i}.yaml`, backup(`b${i}`, i % 2 ? 'n1' : 'n2', SCHEDULES[i % SCHEDULES.length]!));
  // A clock a minute ahead: every file counts as old enough to be trusted on its stat (the racy rule has its own test).
  return { dir, options: { stateDir, now: YEAR_2025, fingerprint: 'build-a', clock: () => Date.now() + 60_000 } };
}

/** Lets the file system's coarse clock move on, so that an edit after a load changes the file's ctime. */
const tick = () => new Promise((r) => setTimeout(r, 12));

describe('the load cache == the reference load after random edit sequences', () => {
  for (const seed of [1, 2, 3]) {
    it(`seed ${seed}`, async () => {
      const next = random(seed);
      const w = initialWorld();
      let recalledLoads = 0;
      let reusedValidations = 0;
      let validSteps = 0;
      for (let step = 0; step < 50; step++) {
        const name = step === 0 ? 'none' : pickEdit(next);
        if (step > 0) EDITS[name]!(w, next);
        const { cache, ...got } = await loadDesiredCached(w.dir, w.options);
        const want = await loadDesired(w.dir, { now: w.options.now });
        expect(got, `seed ${seed}, step ${step}: ${name}`).toEqual(want);
        // The same through the cache just written (or kept): nothing is read again.
        const again = await loadDesiredCached(w.dir, w.options);
        expect({ ...again, cache: undefined }, `seed ${seed}, step ${step}: ${name}, again`).toEqual({ ...want, cache: undefined });
        expect(again.cache.read, `seed ${seed}, step ${step}: ${name}: files read the second time`).toBe(0);
        expect(again.cache.validationCached).toBe(true);
        if (cache.recalled > 0) recalledLoads++;
        if (cache.validationCached) reusedValidations++;
        if (want.config) validSteps++;
        await tick();
      }
      // The test proves nothing unless files were recalled by their stat and results reused across edits.
      expect(recalledLoads).toBeGreaterThan(30);
      expect(reusedValidations).toBeGreaterThan(5);
      expect(validSteps).toBeGreaterThan(15);
    });
  }
});

describe('the racy rule', () => {
  it('a file edited right after it was read, same size and mtime, is read again (not trusted on its stat)', async () => {
    const dir = tempDir('load-cache-racy');
    const stateDir = tempDir('load-cache-racy-state');
    dirs.push(dir, stateDir);
    write(dir, 'servers.yaml', server('s1', 'UTC'));
    write(dir, 'all.yaml', `${head('Retention', 'std')}  keepLast: 3\n---\n${node('n1', 's1')}---\n${backup('b1', 'n1', '0 3 * * *')}`);
    const options = { stateDir, now: YEAR_2025, fingerprint: 'build-a' };
    const first = await loadDesiredCached(dir, options);
    expect(first.cache.read).toBe(2);
    // No tick: within the same clock granule the ctime may not move either.
    sameSizeSameMtime(dir, 'all.yaml', read(dir, 'all.yaml').replace('0 3 * * *', '0 4 * * *'));
    const second = await loadDesiredCached(dir, options);
    expect(second.cache.recalled).toBe(0);
    expect(second.cache.read).toBe(2);
    const { cache, ...got } = second;
    expect(got).toEqual(await loadDesired(dir, { now: YEAR_2025 }));
    expect(got.config!.objects.find((o) => o.name === 'b1')!.spec).toMatchObject({ schedule: '0 4 * * *' });
    // Files older than the margin are trusted: with the clock moved on, both are taken by their stat.
    const later = await loadDesiredCached(dir, { ...options, clock: () => Date.now() + 60_000 });
    expect(later.cache.read).toBe(2); // trusted from this read on
    const trusted = await loadDesiredCached(dir, { ...options, clock: () => Date.now() + 60_000 });
    expect(trusted.cache).toMatchObject({ recalled: 2, read: 0, validationCached: true, written: false });
  });

  it("another user's cache file, or one others may write, is not used", async () => {
    const dir = tempDir('load-cache-owner');
    const stateDir = tempDir('load-cache-owner-state');
    dirs.push(dir, stateDir);
    write(dir, 'all.yaml', `${server('s1', 'UTC')}---\n${head('Retention', 'std')}  keepLast: 3\n`);
    const options = { stateDir, now: YEAR_2025, fingerprint: 'build-a', clock: () => Date.now() + 60_000 };
    await loadDesiredCached(dir, options);
    expect((await loadDesiredCached(dir, options)).cache.recalled).toBe(1);
    chmodSync(loadCachePath(stateDir, dir), 0o622);
    expect((await loadDesiredCached(dir, options)).cache).toMatchObject({ recalled: 0, read: 1, written: true });
    expect(statSync(loadCachePath(stateDir, dir)).mode & 0o777).toBe(0o600);
    expect((await loadDesiredCached(dir, options)).cache.recalled).toBe(1);
    chownSync(loadCachePath(stateDir, dir), 54321, 54321);
    expect((await loadDesiredCached(dir, options)).cache).toMatchObject({ recalled: 0, read: 1, written: true });
    expect(statSync(loadCachePath(stateDir, dir)).uid).toBe(process.geteuid!());
  });
});

describe('the cache directory', () => {
  it(`keeps the caches of the 8 configuration directories written last`, async () => {
    const stateDir = tempDir('load-cache-prune-state');
    dirs.push(stateDir);
    const configs: string[] = [];
    for (let i = 0; i < 10; i++) {
      const dir = tempDir(`load-cache-prune-${i}`);
      dirs.push(dir);
      configs.push(dir);
      write(dir, 'all.yaml', `${server('s1', 'UTC')}---\n${head('Retention', 'std')}  keepLast: ${i + 1}\n`);
      expect((await loadDesiredCached(dir, { stateDir, now: YEAR_2025, fingerprint: 'build-a' })).cache.written).toBe(true);
      await tick();
    }
    const kept = readdirSync(join(stateDir, 'plan-cache')).sort();
    expect(kept).toEqual(configs.slice(2).map((d) => loadCachePath(stateDir, d).split('/').pop()).sort());
  });
});
