// The watcher on a real directory (chokidar, real file events): configuration edits trigger, .git and
// editor temporaries do not, also when the directory is given relative to the working directory.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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
});
