// Throwaway PostgreSQL clusters for integration tests: a real initdb + pg_ctl instance in a temporary
// directory, started through the same module as the local catalog (src/adapters/postgres/instance.ts).
//
// Usage (one cluster per test file, one database per test):
//   let cluster: TestCluster;
//   beforeAll(async () => { cluster = await startTestCluster(); });
//   afterAll(() => cluster?.stop());
//   const config = await cluster.createDatabase();
//
// As root the cluster runs as the `postgres` OS user; as a normal user it runs as that user.
//
// Each cluster starts from a copy of one template data directory made per vitest run (cluster-template.ts)
// instead of running initdb itself; its settings (port, socket, TCP, authentication) are written at start.
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { copyClusterTemplate } from './cluster-template.js';
import { ensureInstance, stopInstance, type RunningInstance } from '../../src/adapters/postgres/instance.js';

export interface TestCluster {
  /** Superuser connection to database `postgres`. */
  config: pg.ClientConfig;
  /** The same as a libpq URL (for psql, pg_dump, resolveCatalogConnection). */
  url: string;
  /** Superuser over the Unix socket, trusted even when TCP requires passwords (creating roles, databases). */
  adminConfig: pg.ClientConfig;
  dataDir: string;
  socketDir: string;
  port: number;
  /** Immediate stop, then the whole temporary directory is removed. */
  stop(): Promise<void>;
  /** Takes the server down (fast shutdown), keeping its data: an outage. */
  pause(): Promise<void>;
  /** Starts a paused server again on the same socket and port. */
  resume(): Promise<void>;
  /** Creates a fresh database (random name unless given) and returns a config connecting to it. */
  createDatabase(name?: string): Promise<pg.ClientConfig>;
  /** The libpq URL of a config of this cluster (e.g. one returned by createDatabase). */
  urlFor(config: pg.ClientConfig): string;
}

export interface TestClusterOptions {
  /** Also listen on 127.0.0.1 on a free port; config/url then use TCP. */
  tcp?: boolean;
  /** Authentication for TCP connections (default trust). */
  tcpAuth?: 'trust' | 'scram-sha-256';
}

// Clusters still running when the test process exits (a test that forgot stop(), or a crash in afterAll):
// stopped with SIGQUIT (immediate shutdown) and removed, so no postmaster outlives the run.
const live = new Map<string, { pid: number; baseDir: string }>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const { pid, baseDir } of live.values()) {
      try {
        process.kill(pid, 'SIGQUIT');
      } catch {
        /* already gone */
      }
      rmSync(baseDir, { recursive: true, force: true });
    }
  });
}

export async function startTestCluster(opts: TestClusterOptions = {}): Promise<TestCluster> {
  // Short base path: the socket path must fit in 107 bytes.
  const baseDir = await mkdtemp(path.join(os.tmpdir(), 'pgbo-'));
  // mkdtemp makes it 0700; the cluster's user (postgres, when we are root) must be able to enter it.
  await chmod(baseDir, 0o711);
  const dataDir = path.join(baseDir, 'data');
  const socketDir = path.join(baseDir, 'run');
  let instance: RunningInstance;
  const instanceOptions = {
    dataDir,
    socketDir,
    logFile: path.join(baseDir, 'postgres.log'),
    listenTcp: opts.tcp ?? false,
    tcpAuth: opts.tcpAuth,
    unsafeNoSync: true,
  };
  try {
    const template = clusterTemplate();
    if (template) await copyClusterTemplate(template, dataDir);
    instance = await ensureInstance(instanceOptions);
  } catch (err) {
    await rm(baseDir, { recursive: true, force: true });
    throw err;
  }
  installExitHook();
  live.set(dataDir, { pid: instance.pid, baseDir });

  const config = instance.config;
  const url = toUrl(config);
  // Administrative work goes through the socket, which is trusted even when TCP asks for passwords.
  const adminConfig: pg.ClientConfig = { ...config, host: instance.socketDir };

  return {
    config,
    url,
    adminConfig,
    dataDir,
    socketDir,
    port: instance.port,
    async stop() {
      live.delete(dataDir);
      await stopInstance(dataDir, 'immediate').catch(() => undefined);
      await rm(baseDir, { recursive: true, force: true });
    },
    async pause() {
      await stopInstance(dataDir, 'fast');
    },
    async resume() {
      const again = await ensureInstance({ ...instanceOptions, port: instance.port });
      live.set(dataDir, { pid: again.pid, baseDir });
    },
    urlFor: toUrl,
    async createDatabase(name?: string) {
      const database = name ?? `t_${randomBytes(6).toString('hex')}`;
      const admin = new pg.Client(adminConfig);
      await admin.connect();
      try {
        await admin.query(`create database ${pg.escapeIdentifier(database)}`);
      } finally {
        await admin.end();
      }
      return { ...config, database };
    },
  };
}

/** The template data directory of this vitest run, if its global setup made one (the integration project). */
function clusterTemplate(): string | undefined {
  try {
    return inject('pgClusterTemplate') || undefined;
  } catch {
    // Not inside a vitest worker: initialise as before.
    return undefined;
  }
}

function toUrl(config: pg.ClientConfig): string {
  const user = encodeURIComponent(String(config.user));
  const database = encodeURIComponent(String(config.database));
  const host = String(config.host);
  return host.startsWith('/')
    ? `postgresql://${user}@/${database}?host=${encodeURIComponent(host)}&port=${config.port}`
    : `postgresql://${user}@${host}:${config.port}/${database}`;
}
