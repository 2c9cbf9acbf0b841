// The bytes under a directory while a tool writes into it (src/adapters/fs/directory-bytes.ts): file sizes
// summed over the tree, symbolic links not followed; the watch reports a change and nothing after stop().
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bytesUnder, watchDirectoryBytes } from '../../../src/adapters/fs/directory-bytes.js';

describe('directory bytes', () => {
  it('sums the files of the tree, not what links point at', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pgbo-dir-bytes-'));
    mkdirSync(join(dir, 'base', '1'), { recursive: true });
    writeFileSync(join(dir, 'PG_VERSION'), '15\n');
    writeFileSync(join(dir, 'base', '1', '1259'), Buffer.alloc(8192));
    symlinkSync(join(dir, 'base'), join(dir, 'link'));
    expect(await bytesUnder(dir)).toBe(3 + 8192);
    expect(await bytesUnder(join(dir, 'absent'))).toBe(0);
  });

  it('reports the bytes as they grow, and nothing after stop', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pgbo-dir-bytes-'));
    const seen: number[] = [];
    const watch = watchDirectoryBytes(dir, (b) => seen.push(b), 20);
    await new Promise((r) => setTimeout(r, 100));
    writeFileSync(join(dir, 'a'), Buffer.alloc(1000));
    await new Promise((r) => setTimeout(r, 200));
    watch.stop();
    writeFileSync(join(dir, 'b'), Buffer.alloc(1000));
    await new Promise((r) => setTimeout(r, 100));
    expect(seen).toEqual([0, 1000]);
  });
});
