// The pure parts of off-site copies: an ObjectStore's defaults (and its hash not changing when a default is
// spelt out), which targets apply, the retry backoff, the credentials file format, and S3's composite checksum.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCredentials } from '../../../src/adapters/objectstore/credentials-file.js';
import { compositeSha256 } from '../../../src/adapters/objectstore/s3-store.js';
import { specHash } from '../../../src/core/canonical.js';
import { normaliseObjectStore } from '../../../src/core/config/normalise.js';
import { offsiteTargetsOf, resolveTargets, retryDelayMs } from '../../../src/core/offsite/targets.js';
import { copyKeyPrefix } from '../../../src/jobs/offsite/copy-layout.js';

describe('ObjectStore', () => {
  it('fills its defaults, and a default spelt out is the same spec', () => {
    const spec = normaliseObjectStore({ bucket: 'acme-backups' });
    expect(spec).toEqual({ region: 'us-east-1', bucket: 'acme-backups', prefix: '', forcePathStyle: false, partSizeMiB: 16, parallelParts: 4 });
    const spelt = normaliseObjectStore({ bucket: 'acme-backups', region: 'us-east-1', prefix: '', forcePathStyle: false, partSizeMiB: 16, parallelParts: 4 });
    expect(specHash(spelt)).toBe(specHash(spec));
  });
});

describe('offsite targets', () => {
  const stores = new Map([['eu', normaliseObjectStore({ bucket: 'b-eu', prefix: 'prod/' })]]);
  const retentions = new Map([['seven-years', { keepMonthly: 84 }]]);

  it("a definition's own list replaces its server's; [] copies nothing", () => {
    const server = { offsite: [{ store: 'eu', retention: 'seven-years' }] };
    expect(offsiteTargetsOf({}, server)).toEqual(server.offsite);
    expect(offsiteTargetsOf({ offsite: [] }, server)).toEqual([]);
    expect(offsiteTargetsOf({}, null)).toEqual([]);
  });

  it('resolves stores and retentions, and reports what does not resolve', () => {
    const missing: string[] = [];
    const resolved = resolveTargets([{ store: 'eu', retention: 'seven-years' }, { store: 'us', retention: 'seven-years' }], stores, retentions, (m) => missing.push(m));
    expect(resolved.map((t) => [t.store, t.retention])).toEqual([['eu', { keepMonthly: 84 }]]);
    expect(missing).toEqual(['offsite target us (retention seven-years): ObjectStore us is not in the catalog']);
  });

  it('mirrors the backup directory under the prefix', () => {
    const run = { id: 'x', node: 'pg1', definition: 'orders', database: 'Sales Db', directory: '/srv/pgbackops/pg1/orders/db-Sales%20Db/20261205T010203Z' };
    expect(copyKeyPrefix('prod/', run)).toBe('prod/pg1/orders/db-Sales%20Db/20261205T010203Z/');
    expect(copyKeyPrefix('', { ...run, database: null, directory: '/r/pg1/orders/_cluster/20261205T010203Z' })).toBe('pg1/orders/_cluster/20261205T010203Z/');
  });

  it('backs off from 5 minutes, doubling, to at most a day', () => {
    expect([1, 2, 3, 4].map(retryDelayMs)).toEqual([300_000, 600_000, 1_200_000, 2_400_000]);
    expect(retryDelayMs(9)).toBe(300_000 * 256);
    expect(retryDelayMs(10)).toBe(24 * 3_600_000);
    expect(retryDelayMs(1000)).toBe(24 * 3_600_000);
  });
});

describe('credentials file', () => {
  it('reads the default profile, or the only one', () => {
    expect(parseCredentials('# c\n[default]\naws_access_key_id = AK\naws_secret_access_key= SK \n', 'f')).toEqual({ accessKeyId: 'AK', secretAccessKey: 'SK' });
    expect(parseCredentials('[backup]\naws_access_key_id=AK\naws_secret_access_key=SK\naws_session_token=T\n', 'f')).toEqual({ accessKeyId: 'AK', secretAccessKey: 'SK', sessionToken: 'T' });
  });

  it('refuses a file without both keys, naming what it wants (never the values)', () => {
    expect(() => parseCredentials('[default]\naws_access_key_id=AK\n', '/etc/s3')).toThrow(/\/etc\/s3: no \[default\] profile .* aws_secret_access_key/);
    expect(() => parseCredentials('[a]\naws_access_key_id=AK\naws_secret_access_key=SK\n[b]\n', '/etc/s3')).toThrow(/no \[default\] profile/);
  });
});

describe('S3 composite checksum of a multipart object', () => {
  it('is the sha256 of the parts\u2019 sha256, with the part count', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pgbackops-composite-'));
    try {
      const data = Buffer.alloc(2_500_000);
      for (let i = 0; i < data.length; i++) data[i] = (i * 31) & 0xff;
      writeFileSync(join(dir, 'f'), data);
      const part = 1_000_000;
      const parts = [data.subarray(0, part), data.subarray(part, 2 * part), data.subarray(2 * part)];
      const expected = createHash('sha256').update(Buffer.concat(parts.map((p) => createHash('sha256').update(p).digest()))).digest('base64');
      expect(await compositeSha256(join(dir, 'f'), part, data.length)).toBe(`${expected}-3`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
