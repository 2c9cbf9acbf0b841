// A throwaway PostgreSQL cluster for benchmarks, started with pgbackops' own instance module (dist/).
import { mkdtempSync, chmodSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export async function startBenchCluster(label) {
  const { ensureInstance, stopInstance } = await import('../dist/adapters/postgres/instance.js');
  const base = mkdtempSync(join(tmpdir(), `pgbo-bench-${label}-`));
  chmodSync(base, 0o711);
  const dataDir = join(base, 'data');
  const instance = await ensureInstance({ dataDir, socketDir: join(base, 'run'), logFile: join(base, 'postgres.log'), unsafeNoSync: true });
  return {
    base,
    instance,
    async stop() {
      await stopInstance(dataDir, 'fast');
      rmSync(base, { recursive: true, force: true });
    },
  };
}
