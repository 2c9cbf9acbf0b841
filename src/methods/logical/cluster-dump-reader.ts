// Reading a cluster dump's SQL back (restore, and the plan's scan of the roles and databases it creates): a
// compressed one through its decompression program (stream-compression.ts), a plain one (dump.sql, also every
// cluster dump written before they were compressed) as it is; an encrypted one decrypted on its way in
// (backup-source.ts: the caller checks the decryption with `source.finished()`).
import type { Readable } from 'node:stream';
import { startProgram } from '../../adapters/os/run-program.js';
import { clusterDumpCompression, decompressCommand } from '../../core/dump/stream-compression.js';
import type { BackupSource } from './backup-source.js';
import { AGE_SUFFIX } from '../../core/encryption/age-command.js';

export interface ClusterDumpReader {
  /** The SQL, as UTF-8 strings. */
  sql: Readable;
  /**
   * After the SQL was read to its end, or abandoned (a psql that stopped at an error): stops the
   * decompression if it still runs, and throws if it failed while the SQL was read to its end.
   */
  close(): Promise<void>;
}

/** The cluster dump `name` (dump.sql, dump.sql.gz, ...; with .age after it or not) of the backup `source` reads. */
export function readClusterDump(source: BackupSource, name: string): ClusterDumpReader {
  const path = source.pathOf(name);
  const plainName = name.endsWith(AGE_SUFFIX) ? name.slice(0, -AGE_SUFFIX.length) : name;
  const command = decompressCommand(clusterDumpCompression(plainName) ?? 'none', source.encrypted ? null : path);
  if (!command) {
    const sql = source.stream(name).setEncoding('utf8');
    return { sql, close: async () => void sql.destroy() };
  }
  const input = source.encrypted ? source.stream(name) : undefined;
  const { child, done } = startProgram(command.program, command.args, { stdout: 'stream', ...(input ? { input } : {}) });
  const sql = child.stdout!.setEncoding('utf8');
  let ended = false;
  sql.once('end', () => {
    ended = true;
  });
  return {
    sql,
    async close() {
      // Abandoned before its end: closing the pipe stops the program (SIGPIPE), whose failure is then expected.
      if (!ended) sql.destroy();
      const result = await done;
      if (!ended) return;
      if (result.exitCode !== 0 || result.spawnError) {
        const why = result.spawnError ? `${command.program}: ${result.spawnError.message}` : result.stderr || `exit ${result.exitCode}`;
        throw new Error(`could not decompress ${path}: ${why}`);
      }
    },
  };
}
