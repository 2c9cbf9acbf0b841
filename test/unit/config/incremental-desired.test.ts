// The daemon's incremental load (engine/incremental-desired.ts) against a full load: after every step of
// random edit sequences (add, remove and rename files, edit a schedule, break a file and fix it, move a
// definition between files, a server's time zone, a node moved to another server, duplicates, dangling
// references, binary files, Unicode and whitespace), loading only the changed files gives exactly what
// reading and validating the whole directory gives, and only the changed files were checked again. And the
// daemon's plan of each valid step, made against the catalog's objects as its previous apply left them
// (engine/apply.ts `objectsAfter`, not read again), is the plan made against a fresh read of the catalog,
// with the RPO measures over the touched nodes alone (core/plan/node-scope.ts) the same as over the fleet.
// Many steps change files without changing what they tell the others (a schedule, a reference, a Restore's
// source): those run the rules across files over the changed files alone (`lastLoad.combined`), and still
// give what the whole directory gives, also around a duplicate made and undone by renaming a definition, a
// Restore of a definition whose file is deleted, and a server renamed.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { IncrementalDesired } from '../../../src/engine/incremental-desired.js';
import { loadDesired } from '../../../src/engine/load-desired.js';
import { tempDir } from '../../helpers/config.js';
import { pickWeighted, random } from '../../helpers/random-json.js';
import { KINDS, type DesiredConfig } from '../../../src/core/model.js';
import type { ActualObject } from '../../../src/core/objects.js';
import { inCatalogOrder } from '../../../src/core/plan/catalog-order.js';
import { makePlanAndProjection } from '../../../src/core/plan/make-plan.js';
import { planCatalog } from '../../../src/core/plan/plan-catalog.js';
import { DEFAULT_PLAN_OPTIONS } from '../../../src/core/plan/types.js';
import { uncoveredRefusal } from '../../../src/core/plan/uncovered-brake.js';
import { rpoEffects, touchedNodes } from '../../../src/core/rpo/plan-effects.js';
import { protectionLost } from '../../../src/core/rpo/uncovered-databases.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const head = (kind: string, name: string) => `apiVersion: pgbackops/v1\nkind: ${kind}\nmetadata:\n  name: ${name}\nspec:\n`;
// s2 sets its definitions' rpo: the plans' RPO measures read it from the server.
const server = (name: string, tz: string) =>
  `${head('BackupServer', name)}  host: ${name}.example.org\n  backupRoot: /srv/b\n  timezone: ${tz}\n  scheduler: { type: builtin }\n${name === 's2' ? '  rpo: 30h\n' : ''}`;
const node = (name: string, srv: string) => `${head('Node', name)}  host: ${name}.db\n  backupServer: ${srv}\n`;
const backup = (name: string, nodeName: string, schedule: string, retention = 'std') =>
  `${head('Backup', name)}  node: ${nodeName}\n  databases: [app]\n  type: full\n  schedule: "${schedule}"\n  retention: ${retention}\n`;

const SCHEDULES = ['H H * * *', '0 3 * * *', '15 H(1-4) * * 1-5', '*/30 * * * *', 'H/15 * * * *'];
const ODD = ['\u00e9t\u00e9', '\u{1F418}', '\u00a0', '\t', '  ', '\u2028'];

/** One edit of the configuration directory; returns the paths it touched (as a watcher reports them). */
type Edit = (dir: string, next: () => number) => string[];

const pick = <T,>(next: () => number, xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;

function backupFiles(dir: string): string[] {
  const out: string[] = [];
  for (const sub of ['nodes', ...readdirNames(join(dir, 'teams')).map((t) => `teams/${t}`)]) {
    for (const f of readdirNames(join(dir, sub))) if (/\.ya?ml$/.test(f)) out.push(`${sub}/${f}`);
  }
  return out.sort();
}

/** The second server's name: s2, or s2x while renamed. */
function secondServer(dir: string): string {
  return /name: s2x\n/.test(read(dir, 'servers.yaml')) ? 's2x' : 's2';
}

function readdirNames(d: string): string[] {
  return existsSync(d) ? readdirSync(d) : [];
}

let counter = 0;
const write = (dir: string, rel: string, text: string | Buffer): string[] => {
  mkdirSync(dirname(join(dir, rel)), { recursive: true });
  writeFileSync(join(dir, rel), text);
  return [rel];
};
const read = (dir: string, rel: string): string => readFileSync(join(dir, rel), 'utf8');

const EDITS: Record<string, Edit> = {
  addFile: (dir, next) => {
    const n = ++counter;
    return write(dir, `teams/${pick(next, ['a', 'b'])}/f${n}.yaml`, backup(`gen${n}`, pick(next, ['n1', 'n2']), pick(next, SCHEDULES)));
  },
  addFileInNewDirectory: (dir, next) => {
    const n = ++counter;
    const rel = `teams/new${n}/f${n}.yml`;
    write(dir, rel, backup(`gen${n}`, pick(next, ['n1', 'n2']), pick(next, SCHEDULES)));
    return [`teams/new${n}`, rel];
  },
  removeFile: (dir, next) => {
    const files = backupFiles(dir).filter((f) => f.startsWith('teams/'));
    if (files.length === 0) return [];
    const rel = pick(next, files);
    rmSync(join(dir, rel));
    return [rel];
  },
  renameFile: (dir, next) => {
    const files = backupFiles(dir).filter((f) => f.startsWith('teams/'));
    if (files.length === 0) return [];
    const rel = pick(next, files);
    const to = `teams/${pick(next, ['a', 'b'])}/renamed-${++counter}.yaml`;
    mkdirSync(dirname(join(dir, to)), { recursive: true });
    renameSync(join(dir, rel), join(dir, to));
    return [rel, to];
  },
  editSchedule: (dir, next) => {
    const rel = pick(next, backupFiles(dir));
    const text = read(dir, rel);
    return write(dir, rel, text.replace(/schedule: "[^"]*"/, `schedule: "${pick(next, SCHEDULES)}"`));
  },
  breakFile: (dir, next) => {
    const rel = pick(next, backupFiles(dir));
    return write(dir, rel, `${read(dir, rel)}  broken: [unclosed\n`);
  },
  fixBrokenFiles: (dir) => {
    const touched: string[] = [];
    for (const rel of backupFiles(dir)) {
      const text = read(dir, rel);
      if (text.includes('broken: [unclosed')) touched.push(...write(dir, rel, text.replace(/  broken: \[unclosed\n/g, '')));
    }
    return touched;
  },
  moveDefinition: (dir, next) => {
    const files = backupFiles(dir).filter((f) => f.startsWith('teams/'));
    if (files.length < 2) return [];
    const from = pick(next, files);
    const to = pick(next, files.filter((f) => f !== from));
    const text = read(dir, from);
    const docs = text.split(/^---\n/m);
    const moved = docs.pop()!;
    if (docs.length === 0) rmSync(join(dir, from));
    else write(dir, from, docs.join('---\n'));
    write(dir, to, `${read(dir, to)}---\n${moved}`);
    return [from, to];
  },
  unicodeAndWhitespace: (dir, next) => {
    const rel = pick(next, backupFiles(dir));
    let text = read(dir, rel);
    const r = next();
    if (r < 0.25) text = `# ${pick(next, ODD)} ${pick(next, ODD)}\n${text}`;
    else if (r < 0.5) text = text.replace(/\n/g, '   \n');
    else if (r < 0.75) text = `\ufeff${text.replace(/^\ufeff/, '')}`;
    else text = text.replace(/\r?\n/g, '\r\n');
    return write(dir, rel, text);
  },
  serverTimezone: (dir, next) => write(dir, 'servers.yaml', `${server('s1', pick(next, ['UTC', 'Europe/Berlin', 'America/New_York']))}---\n${server(secondServer(dir), 'UTC')}`),
  /** s2 renamed to s2x and back, with its node (both files in one step), or the servers file alone (a dangling reference). */
  renameServer: (dir, next) => {
    const to = secondServer(dir) === 's2' ? 's2x' : 's2';
    const touched = write(dir, 'servers.yaml', read(dir, 'servers.yaml').replace(/name: s2x?\n/, `name: ${to}\n`).replace(/host: s2x?\./, `host: ${to}.`));
    if (next() < 0.7) touched.push(...write(dir, 'nodes/n2.yaml', read(dir, 'nodes/n2.yaml').replace(/backupServer: \w+/, `backupServer: ${to}`)));
    return touched;
  },
  /** A Restore of a definition in a teams file, which removeFile and moveDefinition may take away later. */
  restoreOfTeamBackup: (dir, next) => {
    const files = backupFiles(dir).filter((f) => f.startsWith('teams/'));
    const names = files.flatMap((f) => [...read(dir, f).matchAll(/kind: Backup\nmetadata:\n  name: (\S+)/g)].map((m) => m[1]!));
    const source = names.length > 0 ? pick(next, names) : 'gone';
    return write(dir, 'restores.yaml', `${head('Restore', 'r1')}  from: { latestOf: ${source}, database: app }\n  toNode: n2\n`);
  },
  /** b-a renamed to b1 (defined in nodes/n1.yaml: a duplicate across files), or back. */
  duplicateByRename: (dir) => {
    if (!existsSync(join(dir, 'teams/a/f0.yaml'))) return [];
    const text = read(dir, 'teams/a/f0.yaml');
    return write(dir, 'teams/a/f0.yaml', text.includes('name: b-a\n') ? text.replace('name: b-a\n', 'name: b1\n') : text.replace('name: b1\n', 'name: b-a\n'));
  },
  moveNodeToOtherServer: (dir, next) => {
    const text = read(dir, 'nodes/n1.yaml');
    return write(dir, 'nodes/n1.yaml', text.replace(/backupServer: \w+/, `backupServer: ${pick(next, ['s1', secondServer(dir), 's3'])}`));
  },
  duplicateName: (dir, next) => write(dir, `teams/a/dup-${++counter}.yaml`, backup(pick(next, ['b1', 'b2']), 'n1', '0 1 * * *')),
  danglingReference: (dir, next) => {
    const rel = pick(next, backupFiles(dir));
    return write(dir, rel, read(dir, rel).replace(/retention: \w+/, `retention: ${pick(next, ['std', 'nope', 'st'])}`));
  },
  binaryFile: (dir, next) => write(dir, `teams/b/bin-${++counter}.yaml`, next() < 0.5 ? Buffer.from([0x61, 0x00, 0x62]) : Buffer.from([0x6b, 0x3a, 0x20, 0xff, 0x0a])),
  emptyFile: (dir) => write(dir, `teams/a/empty-${++counter}.yaml`, '# nothing yet\n'),
  /** Undoes every kind of error the edits above make, so that most steps have a valid configuration too. */
  heal: (dir) => {
    const touched = EDITS.fixBrokenFiles!(dir, () => 0);
    for (const rel of backupFiles(dir)) {
      if (/\/(dup|bin|empty)-/.test(rel)) {
        rmSync(join(dir, rel));
        touched.push(rel);
        continue;
      }
      const text = read(dir, rel);
      const healed = text.replace(/retention: (nope|st)\n/g, 'retention: std\n').replace(/backupServer: s(3|2x?)\n/, `backupServer: ${secondServer(dir)}\n`).replace(rel.startsWith('teams/') ? /(kind: Backup\nmetadata:\n {2}name: )b1\n/ : /^$/, '$1b-a\n');
      if (healed !== text) touched.push(...write(dir, rel, healed));
    }
    return touched;
  },
};

/** How often each edit is picked: errors are made less often than they are healed. */
const WEIGHTS: Record<string, number> = { renameServer: 1, restoreOfTeamBackup: 1, duplicateByRename: 1, heal: 6, breakFile: 0.5, duplicateName: 0.5, danglingReference: 0.5, binaryFile: 0.5, emptyFile: 0.5, moveNodeToOtherServer: 1.5, serverTimezone: 2, editSchedule: 2 };

function pickEdit(next: () => number): string {
  return pickWeighted(Object.keys(EDITS), WEIGHTS, next);
}

function initialDirectory(): string {
  const dir = tempDir('incremental-desired');
  dirs.push(dir);
  write(dir, 'servers.yaml', `${server('s1', 'UTC')}---\n${server('s2', 'UTC')}`);
  write(dir, 'retention.yaml', `${head('Retention', 'std')}  keepLast: 3\n`);
  write(dir, 'nodes/n1.yaml', `${node('n1', 's1')}---\n${backup('b1', 'n1', 'H H * * *')}`);
  write(dir, 'nodes/n2.yaml', `${node('n2', 's2')}---\n${backup('b2', 'n2', '0 2 * * *')}`);
  write(dir, 'teams/a/f0.yaml', `${backup('b-a', 'n1', '0 4 * * *')}---\n${backup('b-b', 'n2', '0 5 * * *')}`);
  return dir;
}

/**
 * A catalog that only these plans apply to: its objects by kind and name, read in the catalog's order (kind,
 * then name, as `order by kind_order, name collate "C"`), and its version, moved by every change.
 */
class SimulatedCatalog {
  version = 0;
  private objects = new Map<string, ActualObject>();
  /** b1 holds backups: deleting it is held back (a blocked delete keeps its node referenced). */
  readonly backupCounts = { b1: 2 };

  read(): ActualObject[] {
    const rank = (o: ActualObject) => KINDS.indexOf(o.kind);
    return [...this.objects.values()].sort((a, b) => rank(a) - rank(b) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** The unblocked actions of a plan, as applyChanges commits them; the objects as the plan projected them. */
  apply(after: readonly ActualObject[], changed: boolean): void {
    this.objects = new Map(after.map((o) => [`${o.kind}/${o.name}`, o]));
    if (changed) this.version++;
  }
}

const PLAN_TIME = Date.UTC(2026, 5, 1);

/** The daemon's plan of `config` against its kept objects equals the plan against a fresh read; returns what it keeps next. */
function planAsTheDaemon(config: DesiredConfig, catalog: SimulatedCatalog, kept: { version: number; objects: ActualObject[] } | null, what: string) {
  // A brake above the small fleet's usual share: most steps apply, some are still refused.
  const options = { ...DEFAULT_PLAN_OPTIONS, massDeleteShare: 0.5 };
  const fresh = catalog.read();
  const plan = (objects: ActualObject[]) =>
    makePlanAndProjection(config, { catalogVersion: catalog.version, objects, backupCounts: catalog.backupCounts }, { server: null, note: 'none' }, options, PLAN_TIME);
  const full = plan(fresh);
  if (kept && kept.version === catalog.version) {
    expect(kept.objects, what).toEqual(fresh);
    const incremental = plan(kept.objects);
    expect(incremental.plan, what).toEqual(full.plan);
    expect(incremental.after, what).toEqual(full.after);
  }
  // The RPO measures of the touched nodes alone are those over the whole catalog.
  const actions = full.plan.objectActions;
  const refusal = planCatalog(config.objects, fresh, catalog.backupCounts, options).refusal ??
    uncoveredRefusal(protectionLost(fresh, full.after, touchedNodes(actions)), options);
  expect(full.plan.refusal, what).toEqual(refusal);
  expect(full.plan.rpoEffects ?? [], what).toEqual(rpoEffects(fresh, full.after, actions, PLAN_TIME));
  // A refused plan is not applied, and the daemon then reads the catalog again.
  if (full.plan.refusal) return null;
  catalog.apply(full.after, actions.some((a) => !a.blocked));
  return { version: catalog.version, objects: inCatalogOrder(full.after) };
}

describe('incremental load == full load after random edit sequences', () => {
  for (const seed of [1, 2, 3, 4]) {
    it(`seed ${seed}`, async () => {
      const next = random(seed);
      const dir = initialDirectory();
      const incremental = new IncrementalDesired();
      expect(await incremental.load(dir)).toEqual(await loadDesired(dir));
      let changedLoads = 0;
      let recombined = 0;
      let validSteps = 0;
      const catalog = new SimulatedCatalog();
      let kept: { version: number; objects: ActualObject[] } | null = null;
      let keptPlans = 0;
      for (let step = 0; step < 60; step++) {
        const name = pickEdit(next);
        const touched = EDITS[name]!(dir, next);
        // As the watcher reports them: absolute paths.
        const reported = touched.map((rel) => join(dir, rel));
        const got = await incremental.load(dir, reported);
        const want = await loadDesired(dir);
        expect(got, `seed ${seed}, step ${step}: ${name} (${touched.join(', ')})`).toEqual(want);
        if (want.config) {
          validSteps++;
          if (kept?.version === catalog.version) keptPlans++;
          kept = planAsTheDaemon(got.config!, catalog, kept, `seed ${seed}, step ${step}: plan after ${name}`);
        }
        if (incremental.lastLoad.combined === 'changed') recombined++;
        if (incremental.lastLoad.kind === 'changed') {
          changedLoads++;
          expect(incremental.lastLoad.checked).toBeLessThanOrEqual(touched.length);
        }
      }
      // Most steps took the incremental path (the test would prove nothing if every load read everything).
      expect(changedLoads).toBeGreaterThan(30);
      // And many had a valid configuration, whose normalised objects were compared too.
      expect(validSteps).toBeGreaterThan(15);
      // Some ran the rules across files over the changed files alone.
      expect(recombined).toBeGreaterThan(5);
      // And planned against the kept objects.
      expect(keptPlans).toBeGreaterThan(10);
    });
  }

  it('a whole read keeps the checks of unchanged files: one changed file is checked again', async () => {
    const dir = initialDirectory();
    const incremental = new IncrementalDesired();
    await incremental.load(dir);
    expect(incremental.lastLoad).toEqual({ kind: 'whole', checked: 5, combined: 'whole' });
    EDITS.editSchedule!(dir, random(9));
    const got = await incremental.load(dir);
    expect(incremental.lastLoad).toEqual({ kind: 'whole', checked: 1, combined: 'whole' });
    expect(got).toEqual(await loadDesired(dir));
  });
});
