// Settings every command shares, resolved once from flags and the environment.
import { realpathSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { resolve } from 'node:path';
import { defaultStateDir } from '../adapters/catalog/local-catalog.js';
import { packagePath } from '../adapters/fs/package-files.js';
import { readRememberedCatalog } from './remembered-catalog.js';
import { envSetting } from '../adapters/os/environment.js';

export interface Settings {
  configDir: string;
  stateDir: string;
  /** Central catalog URL; undefined means the local catalog under stateDir. */
  catalogUrl?: string;
  /** --server: which BackupServer this process manages the schedule of. */
  server?: string;
  /** Absolute path of the pgbackops launcher written into schedule lines. */
  binary: string;
  /** Who applies, for the apply history. */
  actor: string;
  lockTimeoutMs: number;
}

export interface GlobalFlags {
  config?: string;
  stateDir?: string;
  catalog?: string;
  server?: string;
  lockTimeout?: string;
}

export function resolveSettings(flags: GlobalFlags, env: NodeJS.ProcessEnv = process.env): Settings {
  const stateDir = resolve(flags.stateDir ?? defaultStateDir(env));
  return {
    configDir: flags.config ?? '.',
    stateDir,
    // Flag, environment, then the catalog this state directory was last applied with (see remembered-catalog).
    catalogUrl: flags.catalog ?? envSetting('catalogUrl', env) ?? readRememberedCatalog(stateDir),
    server: flags.server ?? envSetting('server', env) ?? undefined,
    binary: envSetting('binary', env) ?? launcherPath(),
    actor: envSetting('actor', env) ?? `${env.USER || env.LOGNAME || osUserName()}@${hostname()}`,
    lockTimeoutMs: flags.lockTimeout ? Math.round(Number(flags.lockTimeout) * 1000) : 30_000,
  };
}

/** Who runs this process when the environment does not say (cron, systemd and `env -i` set no USER). */
function osUserName(): string {
  try {
    return userInfo().username;
  } catch {
    // A uid without a passwd entry (a container started with --user 1234).
    return `uid ${process.getuid?.() ?? 'unknown'}`;
  }
}

/** bin/pgbackops.js of this installation, with symlinks resolved. */
export function launcherPath(): string {
  const path = packagePath('bin', 'pgbackops.js');
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}
