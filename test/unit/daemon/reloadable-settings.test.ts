// The daemon's settings files: a bad one stops the start, a SIGHUP reads them again, a bad one then changes
// nothing, and the server chosen at start is kept.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/adapters/logger.js';
import { ReloadableSettings } from '../../../src/daemon/reloadable-settings.js';
import { tempDir } from '../../helpers/config.js';

function files() {
  const dir = tempDir('daemon-settings');
  const webhookSecretFile = join(dir, 'webhook-secret');
  const httpAuthFile = join(dir, 'http-auth');
  writeFileSync(webhookSecretFile, 'first-secret\n');
  writeFileSync(httpAuthFile, 'first-token\n');
  return { flags: { stateDir: join(dir, 'state'), catalog: 'postgresql://catalog.example/pgbackops' }, webhookSecretFile, httpAuthFile };
}

describe('ReloadableSettings', () => {
  it('reads the settings, the webhook secret and the HTTP credentials at start; an empty secret stops the start', () => {
    const f = files();
    const s = new ReloadableSettings(f, silentLogger);
    expect(s.current.catalogUrl).toBe('postgresql://catalog.example/pgbackops');
    expect(s.webhookSecret).toBe('first-secret');
    expect(s.httpAuth).toEqual({ kind: 'bearer', token: 'first-token' });
    expect(new ReloadableSettings({ flags: f.flags }, silentLogger)).toMatchObject({ webhookSecret: null, httpAuth: null });
    writeFileSync(f.webhookSecretFile, '\n');
    expect(() => new ReloadableSettings(f, silentLogger)).toThrow(/webhook secret file .* is empty/);
  });

  it('reloads both files and keeps the server chosen at start', () => {
    const f = files();
    const s = new ReloadableSettings(f, silentLogger);
    s.keepServer('backup01');
    writeFileSync(f.webhookSecretFile, 'second-secret\n');
    writeFileSync(f.httpAuthFile, 'admin:pw\n');
    s.reload();
    expect(s.webhookSecret).toBe('second-secret');
    expect(s.httpAuth).toEqual({ kind: 'basic', user: 'admin', password: 'pw' });
    expect(s.current.server).toBe('backup01');
  });

  it('keeps every previous value when a file is bad at reload, and takes the good ones at the next', () => {
    const f = files();
    const s = new ReloadableSettings(f, silentLogger);
    const before = s.current;
    writeFileSync(f.webhookSecretFile, 'second-secret\n');
    writeFileSync(f.httpAuthFile, '');
    s.reload();
    expect(s.current).toBe(before);
    expect(s.webhookSecret).toBe('first-secret');
    expect(s.httpAuth).toEqual({ kind: 'bearer', token: 'first-token' });
    writeFileSync(f.httpAuthFile, 'second-token\n');
    s.reload();
    expect(s.webhookSecret).toBe('second-secret');
    expect(s.httpAuth).toEqual({ kind: 'bearer', token: 'second-token' });
  });
});
