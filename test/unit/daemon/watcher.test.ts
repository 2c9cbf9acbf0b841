// The watcher on a real directory (fs.watch per directory, real file events): configuration edits trigger, .git and
// editor temporaries do not, also when the directory is given relative to the working directory.
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { watchConfigDir, type ConfigWatcher } from '../../../src/daemon/watcher.js';

let watcher: ConfigWatcher | null = null;
const cwd = process.cwd();
afterEach(async () => {
  await watcher?.close();
  process.chdir(cwd);
});

async function until(pred: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!pred() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
}

describe('watchConfigDir', () => {
  it('reports settled YAML edits and ignores .git and editor files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pgbackops-watch-'));
    mkdirSync(join(dir, '.git'));
    mkdirSync(join(dir, 'teams'));
    process.chdir(dir);
    const seen: string[] = [];
    watcher = await watchConfigDir('.', (p) => seen.push(p.slice(dir.length)), { settleMs: 50 });
    writeFileSync(join(dir, '.git', 'HEAD'), 'ref: refs/heads/main\n');
    writeFileSync(join(dir, '.backups.yaml.swp'), 'x');
    writeFileSync(join(dir, 'backups.yaml~'), 'x');
    writeFileSync(join(dir, 'teams', 'payments.yaml'), 'kind: Backup\n');
    await until(() => seen.length > 0);
    // Let any late ignored event arrive too.
    await new Promise((r) => setTimeout(r, 300));
    expect(seen).toEqual(['/teams/payments.yaml']);
    rmSync(dir, { recursive: true, force: true });
  });

  it('follows directories created and removed after it started, and reports removed files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pgbackops-watch-'));
    writeFileSync(join(dir, 'old.yaml'), 'kind: Node\n');
    const seen: string[] = [];
    watcher = await watchConfigDir(dir, (p) => seen.push(p.slice(dir.length)), { settleMs: 50 });
    mkdirSync(join(dir, 'teams', 'payments'), { recursive: true });
    writeFileSync(join(dir, 'teams', 'payments', 'db.yaml'), 'kind: Backup\n');
    await until(() => seen.includes('/teams'));
    // Written after the new directories are watched: reported as a file of its own.
    writeFileSync(join(dir, 'teams', 'payments', 'db.yaml'), 'kind: Backup\nmetadata: {}\n');
    await until(() => seen.includes('/teams/payments/db.yaml'));
    rmSync(join(dir, 'old.yaml'));
    await until(() => seen.includes('/old.yaml'));
    rmSync(join(dir, 'teams'), { recursive: true });
    seen.length = 0;
    writeFileSync(join(dir, 'new.yaml'), 'kind: Node\n');
    await until(() => seen.includes('/new.yaml'));
    expect(seen).toContain('/teams');
    expect(seen).toContain('/new.yaml');
    rmSync(dir, { recursive: true, force: true });
  });

  it('reports a save written in several parts once, after it settled', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pgbackops-watch-'));
    const seen: string[] = [];
    watcher = await watchConfigDir(dir, (p) => seen.push(p.slice(dir.length)), { settleMs: 150 });
    const fd = openSync(join(dir, 'big.yaml'), 'w');
    for (let i = 0; i < 5; i++) {
      writeSync(fd, `# part ${i}\n`);
      await new Promise((r) => setTimeout(r, 30));
    }
    closeSync(fd);
    await until(() => seen.length > 0);
    await new Promise((r) => setTimeout(r, 300));
    expect(seen).toEqual(['/big.yaml']);
    rmSync(dir, { recursive: true, force: true });
  });
});
