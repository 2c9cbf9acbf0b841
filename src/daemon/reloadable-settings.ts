// The daemon's settings and the two files it reads besides them (the webhook secret, the HTTP credentials):
// read at start, where a bad file stops the daemon before it takes its lock, and read again on SIGHUP,
// where a bad file keeps the previous values (a typo must not take a running daemon's endpoints down).
// The server is chosen once (daemon.ts) and kept across reloads: the daemon holds that server's lock.
import { readFileSync } from 'node:fs';
import type { Logger } from '../adapters/logger.js';
import { resolveSettings, type GlobalFlags, type Settings } from '../runtime/settings.js';
import { readHttpAuthFile, type HttpAuth } from './status-page/http-auth.js';

export interface SettingsFiles {
  flags: GlobalFlags;
  webhookSecretFile?: string;
  httpAuthFile?: string;
}

export class ReloadableSettings {
  current: Settings;
  /** The webhook secret, or null when webhooks are off. */
  webhookSecret: string | null;
  /** The credentials of the HTTP endpoints, or null for none. */
  httpAuth: HttpAuth | null;

  constructor(private readonly files: SettingsFiles, private readonly logger: Logger) {
    this.current = resolveSettings(files.flags);
    this.webhookSecret = readSecret(files.webhookSecretFile);
    this.httpAuth = files.httpAuthFile ? readHttpAuthFile(files.httpAuthFile) : null;
  }

  /** The server this daemon serves, from now on and across reloads. */
  keepServer(server: string): void {
    this.current = { ...this.current, server };
  }

  /** SIGHUP: everything read again; on any error, nothing changes. */
  reload(): void {
    try {
      const settings = { ...resolveSettings(this.files.flags), server: this.current.server };
      const webhookSecret = readSecret(this.files.webhookSecretFile);
      const httpAuth = this.files.httpAuthFile ? readHttpAuthFile(this.files.httpAuthFile) : null;
      this.current = settings;
      this.webhookSecret = webhookSecret;
      this.httpAuth = httpAuth;
      this.logger.info('settings reloaded (SIGHUP)');
    } catch (err) {
      this.logger.error({ err: (err as Error).message }, 'reload failed; keeping the previous settings');
    }
  }
}

function readSecret(file: string | undefined): string | null {
  if (!file) return null;
  const secret = readFileSync(file, 'utf8').trim();
  if (secret === '') throw new Error(`the webhook secret file ${file} is empty`);
  return secret;
}
