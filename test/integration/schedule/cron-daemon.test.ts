// Proves that a generated cron.d file is what the real Debian cron reads and runs: the file goes to
// /etc/cron.d (the only directory Debian cron reads besides /etc/crontab and the spool), its two lines (a
// definition's and the server's maintain line) run every minute a stand-in launcher that records its
// arguments and PATH, and cron (started here in the foreground) must run them within ~75 s. Cron's complaints about files (INSECURE MODE, WRONG FILE OWNER,
// ORPHAN, syntax errors) only go to syslog, so the test listens on /dev/log when nothing else does, and a
// deliberately group-writable control file proves the listener would see such a complaint.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa, type ResultPromise } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { createScheduleTarget, defaultPathEnv } from '../../../src/adapters/schedule/index.js';
import { buildEntry } from '../../../src/core/schedule/render.js';
import { MAINTAIN_ENTRY } from '../../../src/core/schedule/entry.js';

const isRoot = process.getuid?.() === 0;
if (!isRoot) console.warn('cron-daemon.test.ts skipped: writing /etc/cron.d and starting cron need root');

const SYSLOG_LISTENER = fileURLToPath(new URL('./fixtures/syslog-listen.py', import.meta.url));
const WAIT_MS = 75_000;
const id = randomBytes(4).toString('hex');
const cronDFile = `/etc/cron.d/pgbackops-test-${id}`;
const controlFile = `/etc/cron.d/pgbackops-control-${id}`;

const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
});

async function waitFor<T>(probe: () => Promise<T | null>, ms: number): Promise<T | null> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const found = await probe();
    if (found !== null) return found;
    await new Promise((r) => setTimeout(r, 500));
  }
  return null;
}

/** Starts the syslog listener on /dev/log if nothing owns it; null (with the reason printed) otherwise. */
async function listenToSyslog(): Promise<{ lines: string[] } | null> {
  if (existsSync('/dev/log')) {
    console.warn('cron log check skipped: /dev/log already exists (a syslog daemon owns cron\'s messages)');
    return null;
  }
  const python = (await execa('sh', ['-c', 'command -v python3'], { reject: false })).stdout.trim();
  if (!python) {
    console.warn('cron log check skipped: python3 is needed to receive syslog datagrams');
    return null;
  }
  const lines: string[] = [];
  const listener = execa(python, [SYSLOG_LISTENER, '/dev/log'], { reject: false, buffer: false });
  cleanups.push(async () => {
    listener.kill();
    await listener;
    await rm('/dev/log', { force: true });
  });
  await new Promise<void>((resolve, reject) => {
    listener.stdout!.on('data', (chunk: Buffer) => {
      for (const l of chunk.toString().split('\n')) if (l) lines.push(l);
      if (lines[0] === 'ready') resolve();
    });
    listener.once('exit', () => reject(new Error('syslog listener exited')));
  });
  return { lines };
}

describe.skipIf(!isRoot)('the real cron daemon', () => {
  it('reads the generated cron.d file and runs its lines (a definition\'s and the maintain line) with our PATH and arguments', async () => {
    const dir = await mkdtemp('/tmp/pgbo-cron-');
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const ran = join(dir, 'ran');
    const launcher = join(dir, 'fake-pgbackops');
    await writeFile(launcher, `#!/bin/sh\n# Stands in for the pgbackops launcher: records when it ran, its arguments and its PATH.\nprintf '%s|%s|%s\\n' "$(date +%s)" "$*" "$PATH" >> ${ran}\n`, { mode: 0o755 });

    const stateDir = join(dir, 'state');
    const pathEnv = defaultPathEnv();
    const target = createScheduleTarget({ type: 'cron.d', file: cronDFile, user: 'root' }, { binary: launcher, stateDir, serverName: 'b1', pathEnv });
    cleanups.push(() => rm(cronDFile, { force: true }));
    await target.write([
      buildEntry({ name: 'cron-proof', schedule: '* * * * *', timezone: 'UTC' }, target.lineOptions),
      buildEntry({ name: MAINTAIN_ENTRY, schedule: '* * * * *', timezone: 'UTC' }, target.lineOptions),
    ]);

    cleanups.push(() => rm(controlFile, { force: true }));
    await writeFile(controlFile, '# deliberately group/other-writable: cron must refuse this file\n');
    await chmod(controlFile, 0o666);

    const syslog = await listenToSyslog();
    let cron: ResultPromise | null = null;
    if ((await execa('pgrep', ['-x', 'cron'], { reject: false })).exitCode === 0) {
      console.warn('a cron daemon is already running: using it (it rescans /etc/cron.d every minute)');
    } else {
      cron = execa('/usr/sbin/cron', ['-f', '-L', '15'], { reject: false });
      const started = cron;
      cleanups.push(async () => {
        started.kill('SIGTERM');
        await started;
      });
    }

    const startedAt = Date.now();
    // Both lines fire in the same minute.
    const record = await waitFor(async () => {
      const text = await readFile(ran, 'utf8').catch(() => '');
      return text.trim().split('\n').length >= 2 ? text : null;
    }, WAIT_MS);
    console.log(`cron ran the generated lines after ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
    expect(record, 'cron did not run both lines within 75 s').not.toBeNull();
    const runs = record!.trim().split('\n').map((l) => l.split('|')).map(([, args, jobPath]) => ({ args, jobPath }));
    expect(runs.map((r) => r.args).sort()).toEqual([`maintain --state-dir ${stateDir} --server b1`, `run --state-dir ${stateDir} cron-proof`]);
    for (const r of runs) expect(r.jobPath).toBe(pathEnv);

    if (syslog) {
      // Let cron log the end of the job, then check what it said about each file.
      await waitFor(async () => (syslog.lines.some((l) => /\bEND\b/.test(l)) ? true : null), 5_000);
      const about = (file: string) => syslog.lines.filter((l) => l.includes(`(*system*${file.slice('/etc/cron.d/'.length)})`) || l.includes(`${file})`) || l.includes(`${file} `));
      const complaint = /ORPHAN|INSECURE MODE|BAD FILE MODE|WRONG FILE OWNER|WRONG SYMLINK OWNER|HARD LINKS|ERROR|Error/;
      expect(about(controlFile).some((l) => /INSECURE MODE/.test(l)), `the listener saw no complaint about the control file:\n${syslog.lines.join('\n')}`).toBe(true);
      expect(about(cronDFile).filter((l) => complaint.test(l))).toEqual([]);
      console.log(`cron syslog: ${syslog.lines.length} messages; about the control file: ${about(controlFile).length}, about ours: ${about(cronDFile).length}`);
      expect(syslog.lines.some((l) => l.includes(`CMD (`) && l.includes(`${launcher} run --state-dir ${stateDir} cron-proof # pgbackops:cron-proof:`))).toBe(true);
      expect(syslog.lines.some((l) => l.includes(`CMD (`) && l.includes(`${launcher} maintain --state-dir ${stateDir} --server b1 # pgbackops:@maintain:`))).toBe(true);
    }
  }, 120_000);
});
