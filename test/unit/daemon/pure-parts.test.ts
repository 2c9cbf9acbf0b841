import { describe, expect, it } from 'vitest';
// definitionHealth itself is tested with the reports (test/unit/reports); the daemon relies on lastExpectedRun.
import { lastExpectedRun } from '../../../src/core/reports/definition-health.js';
import { redactUrl } from '../../../src/adapters/git/git-source.js';
import { parseListen } from '../../../src/daemon/http-server.js';
import { nextPollDelayMs } from '../../../src/daemon/poll-delay.js';
import { CATALOG_RETRY_MAX_MS, catalogRetryDelayMs } from '../../../src/daemon/open-catalog.js';
import { isIgnoredPath } from '../../../src/daemon/watcher.js';
import { DirectoryChanges, MAX_PATHS } from '../../../src/daemon/directory-changes.js';
import { isValidSignature, signBody } from '../../../src/daemon/webhook-signature.js';

const at = (iso: string) => Date.parse(iso);

describe('nextPollDelayMs', () => {
  it('jitters the interval by at most 10% either way', () => {
    expect(nextPollDelayMs(60_000, 0, 0)).toBe(54_000);
    expect(nextPollDelayMs(60_000, 0, 0.5)).toBe(60_000);
    expect(nextPollDelayMs(60_000, 0, 1)).toBe(66_000);
  });
  it('backs off exponentially after failures, never beyond the interval', () => {
    expect(nextPollDelayMs(60_000, 1, 0.5)).toBe(1000);
    expect(nextPollDelayMs(60_000, 2, 0.5)).toBe(2000);
    expect(nextPollDelayMs(60_000, 5, 0.5)).toBe(16_000);
    expect(nextPollDelayMs(60_000, 12, 1)).toBe(60_000);
  });
});

describe('catalogRetryDelayMs', () => {
  it('doubles from half a second while the catalog is unreachable at start, up to the cap', () => {
    expect([0, 1, 2, 3].map(catalogRetryDelayMs)).toEqual([500, 1000, 2000, 4000]);
    expect(catalogRetryDelayMs(6)).toBe(CATALOG_RETRY_MAX_MS);
    expect(catalogRetryDelayMs(60)).toBe(CATALOG_RETRY_MAX_MS);
  });
});

describe('lastExpectedRun', () => {
  it('finds the last fire time at or before now, in the schedule\'s timezone', () => {
    expect(lastExpectedRun('41 1 * * *', 'UTC', at('2026-03-10T12:00:00Z'))).toBe(at('2026-03-10T01:41:00Z'));
    expect(lastExpectedRun('41 1 * * *', 'UTC', at('2026-03-10T01:00:00Z'))).toBe(at('2026-03-09T01:41:00Z'));
    // 02:30 in Berlin is 01:30 UTC in winter.
    expect(lastExpectedRun('30 2 * * *', 'Europe/Berlin', at('2026-01-15T12:00:00Z'))).toBe(at('2026-01-15T01:30:00Z'));
    expect(lastExpectedRun('*/5 * * * *', 'UTC', at('2026-03-10T12:07:30Z'))).toBe(at('2026-03-10T12:05:00Z'));
    expect(lastExpectedRun('0 0 1 1 *', 'UTC', at('2026-11-22T00:00:00Z'))).toBe(at('2026-01-01T00:00:00Z'));
  });
});

describe('webhook signatures', () => {
  it('accepts exactly the HMAC-SHA256 of the body with the secret', () => {
    const body = Buffer.from('{"ref":"refs/heads/main"}');
    expect(isValidSignature('s3cret', body, signBody('s3cret', body))).toBe(true);
    expect(isValidSignature('s3cret', body, signBody('other', body))).toBe(false);
    expect(isValidSignature('s3cret', Buffer.from('{}'), signBody('s3cret', body))).toBe(false);
    expect(isValidSignature('s3cret', body, undefined)).toBe(false);
    expect(isValidSignature('s3cret', body, 'sha256=')).toBe(false);
    expect(isValidSignature('', body, signBody('', body))).toBe(false);
  });
});

describe('watcher ignores', () => {
  it('skips .git, dot-files and editor temporaries, not configuration', () => {
    for (const p of ['/.git/index', '/a/.backups.yaml.swp', '/backups.yaml~', '/#backups.yaml#', '/4913', '/x.yaml.tmp', '/.#lock']) expect(isIgnoredPath(p), p).toBe(true);
    for (const p of ['/backups.yaml', '/teams/payments/db.yml', '/teams']) expect(isIgnoredPath(p), p).toBe(false);
  });
});

describe('parseListen', () => {
  it('reads HOST:PORT, [IPv6]:PORT and :PORT (loopback)', () => {
    expect(parseListen('127.0.0.1:7963')).toEqual({ host: '127.0.0.1', port: 7963 });
    expect(parseListen('[::1]:80')).toEqual({ host: '::1', port: 80 });
    expect(parseListen(':7963')).toEqual({ host: '127.0.0.1', port: 7963 });
    expect(() => parseListen('7963')).toThrow(/HOST:PORT/);
  });
});

describe('redactUrl', () => {
  it('hides a token in the userinfo of a git URL, and leaves other URLs alone', () => {
    expect(redactUrl('https://ci:ghp_secret@git.example.org/dba/backups.git')).toBe('https://ci:***@git.example.org/dba/backups.git');
    expect(redactUrl('https://git.example.org/dba/backups.git')).toBe('https://git.example.org/dba/backups.git');
    expect(redactUrl('git@git.example.org:dba/backups.git')).toBe('git@git.example.org:dba/backups.git');
    expect(redactUrl('/srv/repos/backups')).toBe('/srv/repos/backups');
  });
});

describe('DirectoryChanges', () => {
  it('hands the noted paths to one pass, once; past MAX_PATHS it asks for a whole read (null)', () => {
    const changes = new DirectoryChanges();
    changes.note('/c/a.yaml');
    changes.note('/c/b.yaml');
    changes.note('/c/a.yaml');
    expect(changes.take()).toEqual(['/c/a.yaml', '/c/b.yaml']);
    expect(changes.take()).toEqual([]);
    for (let i = 0; i <= MAX_PATHS; i++) changes.note(`/c/f${i}.yaml`);
    changes.note('/c/late.yaml');
    expect(changes.take()).toBeNull();
    changes.note('/c/a.yaml');
    expect(changes.take()).toEqual(['/c/a.yaml']);
  });
});
