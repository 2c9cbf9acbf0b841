// How far this process tree has read a file (src/adapters/os/file-reads.ts), from Linux's /proc, against real
// processes: a child's descriptor position, this process's own one when asked, and the read counter of a
// child holding the file open; a process of the tree that does not hold it counts for nothing.
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { watchFileReads, type FileReadsWatch } from '../../../src/adapters/os/file-reads.js';

const dir = mkdtempSync(join(tmpdir(), 'pgbo-file-reads-'));
const file = join(dir, 'dump');
writeFileSync(file, Buffer.alloc(1024 * 1024, 7));
const children: ResultPromise[] = [];
let watch: FileReadsWatch | null = null;

afterEach(async () => {
  watch?.stop();
  // Gone before the next test looks: a dying child still holding the file would count there.
  for (const c of children.splice(0)) {
    c.kill('SIGKILL');
    await c;
  }
});

/**
 * Resolves with the first count of `atLeast` bytes or more, else with the last count seen once `waitMs` have
 * passed and at least one count came (a loaded machine may take a while for the first), at most 10 s.
 */
async function seen(options: Parameters<typeof watchFileReads>[1], atLeast: number, waitMs = 10_000): Promise<{ read: number; total: number }> {
  let last = { read: -1, total: -1 };
  const started = Date.now();
  return new Promise((resolve) => {
    const poll = setInterval(() => {
      const waited = Date.now() - started;
      if (last.read >= atLeast || (waited >= waitMs && last.read >= 0) || waited >= 10_000) {
        clearInterval(poll);
        resolve(last);
      }
    }, 20);
    void watchFileReads([file], { ...options, intervalMs: 50 }, (read, total) => {
      last = { read, total };
    }).then((w) => { watch = w; });
  });
}

function spawn(script: string): void {
  const child = execa('sh', ['-c', script, 'sh', file], { reject: false, stdin: 'ignore' });
  children.push(child);
}

describe('watchFileReads', () => {
  it('positions: how far a child has read its descriptor on the file, against the file\'s size', async () => {
    // dd reads 300000 bytes through the shell's descriptor 3, which the shell keeps open while it sleeps.
    spawn('exec 3<"$1"; dd bs=1000 count=300 <&3 of=/dev/null 2>/dev/null; exec sleep 30');
    expect(await seen({ measure: 'positions', includeSelf: false }, 300_000)).toEqual({ read: 300_000, total: 1024 * 1024 });
  });

  it('positions of this process\'s own descriptor only when asked', async () => {
    const fd = openSync(file, 'r');
    try {
      readSync(fd, Buffer.alloc(4096), 0, 4096, null);
      expect(await seen({ measure: 'positions', includeSelf: true }, 4096)).toEqual({ read: 4096, total: 1024 * 1024 });
      watch?.stop();
      expect((await seen({ measure: 'positions', includeSelf: false }, 4096, 1000)).read).toBe(0);
    } finally {
      closeSync(fd);
    }
  });

  it('read-counters: the bytes read by a child that holds the file open (at most the file\'s size)', async () => {
    // tail reads the whole file, then keeps it open to follow it.
    spawn('exec tail -c +1 -f "$1" >/dev/null');
    expect(await seen({ measure: 'read-counters', includeSelf: false }, 1024 * 1024)).toEqual({ read: 1024 * 1024, total: 1024 * 1024 });
  });

  it('nothing from a child that does not hold the file', async () => {
    spawn('exec sleep 30');
    await new Promise((r) => setTimeout(r, 200)); // started
    expect((await seen({ measure: 'read-counters', includeSelf: false }, 1, 1000)).read).toBe(0);
  });
});

process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
