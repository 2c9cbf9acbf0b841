// A cluster dump's compression (src/core/dump/stream-compression.ts): the file name says the method, and
// every program gets the path after `--`.
import { describe, expect, it } from 'vitest';
import { clusterDumpCompression, clusterDumpFile, clusterDumpFileIn, decompressCommand, testCommand } from '../../../src/core/dump/stream-compression.js';

describe('cluster dump files', () => {
  it('are named after their compression, and the name gives it back', () => {
    for (const [compression, file] of [
      [{ method: 'gzip', level: 6 }, 'dump.sql.gz'], [{ method: 'lz4' }, 'dump.sql.lz4'], [{ method: 'zstd', level: 19 }, 'dump.sql.zst'],
      [{ method: 'none' }, 'dump.sql'], [{ method: 'gzip', level: 0 }, 'dump.sql'],
    ] as const) {
      expect(clusterDumpFile(compression)).toBe(file);
      expect(clusterDumpCompression(file)).toBe(compression.method === 'gzip' && 'level' in compression && compression.level === 0 ? 'none' : compression.method);
    }
    expect(clusterDumpCompression('dump.pgdump')).toBeNull();
    expect(clusterDumpCompression('dump.sql.bz2')).toBeNull();
  });

  it('are found among a backup\'s files; an old uncompressed one too', () => {
    expect(clusterDumpFileIn(['manifest.json', 'dump.sql.zst', 'run.log'])).toBe('dump.sql.zst');
    expect(clusterDumpFileIn(['dump.sql', 'manifest.json'])).toBe('dump.sql');
    expect(clusterDumpFileIn(['manifest.json'])).toBeNull();
  });

  it('are read and tested by their method\'s program, the path never taken for an option', () => {
    expect(decompressCommand('gzip', '-x.gz')).toEqual({ program: 'gzip', args: ['--decompress', '--stdout', '--', '-x.gz'] });
    expect(decompressCommand('zstd', '/b/dump.sql.zst')).toEqual({ program: 'zstd', args: ['-q', '-d', '-c', '--', '/b/dump.sql.zst'] });
    expect(decompressCommand('none', '/b/dump.sql')).toBeNull();
    expect(testCommand('lz4', '/b/dump.sql.lz4')).toEqual({ program: 'lz4', args: ['-q', '-t', '--', '/b/dump.sql.lz4'] });
    expect(testCommand('none', '/b/dump.sql')).toBeNull();
  });
});
