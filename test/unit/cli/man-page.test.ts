// man/pgbackops.1 is generated from the commander definitions (npm run generate) and must be current.
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { renderManPage } from '../../../scripts/man-entry.js';

describe('man/pgbackops.1', () => {
  it('is what the command definitions generate (run `npm run generate` after changing a command)', async () => {
    const file = readFileSync(new URL('../../../man/pgbackops.1', import.meta.url), 'utf8');
    expect(file).toBe(await renderManPage());
  });

  it('documents every command, with examples, and is clean roff', async () => {
    const page = await renderManPage();
    for (const command of ['validate', 'plan', 'apply', 'run', 'backup now', 'restore', 'catalog migrate', 'completion']) {
      expect(page).toContain(`.SS pgbackops ${command.replace(/-/g, '\\-')}`);
    }
    expect(page).toContain('Examples:');
    const groff = spawnSync('groff', ['-man', '-ww', '-z'], { input: page, encoding: 'utf8' });
    if (groff.error) return; // groff not installed: the content checks above still ran
    expect(groff.stderr).toBe('');
    expect(groff.status).toBe(0);
  });
});
