// What an executor of one-off jobs knows about where it runs.
import type { Logger } from '../../adapters/logger.js';
import type { BackupServerSpec } from '../../core/model.js';

export interface OneOffContext {
  stateDir: string;
  server: string;
  serverSpec: BackupServerSpec;
  logger: Logger;
  now: () => Date;
}
