// The PATH cron jobs get. Cron's own default (/usr/bin:/bin) usually lacks node, which the launcher's
// `#!/usr/bin/env node` needs, so the directory of the node running pgbackops now comes first.
import { dirname } from 'node:path';
import { assertPathEnv } from '../../core/schedule/safe-values.js';

const STANDARD_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

export function defaultPathEnv(): string {
  const pathEnv = [...new Set([dirname(process.execPath), ...STANDARD_DIRS])].join(':');
  // Throws a clear error when node lives in a directory whose name cannot go into a cron line.
  assertPathEnv(pathEnv);
  return pathEnv;
}
