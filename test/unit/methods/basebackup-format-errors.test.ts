// A tar or a backup_manifest that is not what PostgreSQL writes is a PgbackopsError with a stable code
// (docs/errors.md: E_TAR_FORMAT, E_MANIFEST_FORMAT) and the runtime exit code, as every error raised on purpose.
import { describe, expect, it } from 'vitest';
import { PgbackopsError, RUNTIME_ERROR_EXIT } from '../../../src/core/errors.js';
import { ManifestFormatError, parseBackupManifest } from '../../../src/core/methods/basebackup/manifest-check.js';
import { TarFormatError, TarMemberReader } from '../../../src/core/methods/basebackup/tar-members.js';

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('nothing was thrown');
}

describe('base backup format errors', () => {
  it('a tar cut short: TarFormatError, E_TAR_FORMAT, exit 1', () => {
    const reader = new TarMemberReader();
    const err = thrown(() => {
      reader.push(Buffer.alloc(100, 1));
      reader.end();
    });
    expect(err).toBeInstanceOf(TarFormatError);
    expect(err).toBeInstanceOf(PgbackopsError);
    expect(err).toMatchObject({ code: 'E_TAR_FORMAT', exitCode: RUNTIME_ERROR_EXIT, name: 'TarFormatError' });
  });

  it('a manifest that is not JSON: ManifestFormatError, E_MANIFEST_FORMAT, exit 1', () => {
    const err = thrown(() => parseBackupManifest('{ not json'));
    expect(err).toBeInstanceOf(ManifestFormatError);
    expect(err).toBeInstanceOf(PgbackopsError);
    expect(err).toMatchObject({ code: 'E_MANIFEST_FORMAT', exitCode: RUNTIME_ERROR_EXIT, name: 'ManifestFormatError' });
  });
});
