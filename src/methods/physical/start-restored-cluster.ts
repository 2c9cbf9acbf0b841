// Starting a cluster restored into a directory (a physical method's `restore --to-dir --start`): as the
// PostgreSQL OS user, on its own port and with its socket in its own directory (the source's settings came
// with the files), then waiting until recovery reaches its target and the server is promoted. What it
// reports: the point reached (LSN, and the time of the last transaction replayed).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { runProgram } from '../../adapters/os/run-program.js';

export interface StartedCluster {
  port: number;
  dataDirectory: string;
  reached: { lsn: string | null; time: string | null };
}

export class StartRestoredClusterError extends Error {
  override name = 'StartRestoredClusterError';
}

/** @param as the PostgreSQL OS user (the directory's owner), when this process is root */
export async function startRestoredCluster(
  dataDirectory: string, port: number, as: { uid: number; gid: number } | undefined, options: { binDirs?: Record<string, string>; waitMs?: number } = {},
): Promise<StartedCluster> {
  const major = (await readFile(join(dataDirectory, 'PG_VERSION'), 'utf8')).trim();
  const binDir = options.binDirs?.[major] ?? `/usr/lib/postgresql/${major}/bin`;
  // The socket in the data directory itself: the source's socket directory may be the running source's.
  const serverOptions = `-p ${port} -k ${dataDirectory} -c listen_addresses=''`;
  const started = await runProgram(join(binDir, 'pg_ctl'), ['start', '-D', dataDirectory, '-l', join(dataDirectory, 'restore-start.log'), '-w', '-t', '600', '-o', serverOptions], {
    ...(as ? { uid: as.uid, gid: as.gid } : {}), cwd: '/', env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', LC_ALL: 'C' },
  });
  if (started.exitCode !== 0) {
    const log = await readFile(join(dataDirectory, 'restore-start.log'), 'utf8').catch(() => '');
    throw new StartRestoredClusterError(`pg_ctl start failed: ${(started.stderr || started.stdout).trim()}\n${log.split('\n').slice(-15).join('\n')}`);
  }
  const client = new pg.Client({ host: dataDirectory, port, user: 'postgres', database: 'postgres' });
  const deadline = Date.now() + (options.waitMs ?? 600_000);
  await client.connect();
  try {
    for (;;) {
      const { rows } = await client.query<{ recovering: boolean }>('select pg_is_in_recovery() as recovering');
      if (!rows[0]!.recovering) break;
      if (Date.now() > deadline) throw new StartRestoredClusterError(`recovery did not reach its target within ${(options.waitMs ?? 600_000) / 1000} s (still in recovery)`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const { rows } = await client.query<{ lsn: string | null; time: Date | null }>(
      'select pg_current_wal_lsn()::text as lsn, pg_last_xact_replay_timestamp() as time',
    );
    return { port, dataDirectory, reached: { lsn: rows[0]!.lsn, time: rows[0]!.time ? rows[0]!.time.toISOString() : null } };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Stops a cluster this process started (a trial restore), fast. */
export async function stopRestoredCluster(dataDirectory: string, as: { uid: number; gid: number } | undefined, binDirs?: Record<string, string>): Promise<void> {
  const major = (await readFile(join(dataDirectory, 'PG_VERSION'), 'utf8')).trim();
  const binDir = binDirs?.[major] ?? `/usr/lib/postgresql/${major}/bin`;
  await runProgram(join(binDir, 'pg_ctl'), ['stop', '-D', dataDirectory, '-m', 'fast', '-w'], { ...(as ? { uid: as.uid, gid: as.gid } : {}), cwd: '/' });
}
