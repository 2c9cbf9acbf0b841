// The lifeline between a root command and the same command it started as the job user (act-as-job-user.ts):
// a pipe on fd 3 that closes when the root process dies. Kept apart so every command can follow it at start
// without loading what acting as the job user needs.
import { Socket } from 'node:net';
import { ENV, envSetting } from '../adapters/os/environment.js';

export const LIFELINE_FD = 3;

/**
 * In a command started by actAsJobUser (act-as-job-user.ts): end at once, as abruptly as the parent did, when
 * the parent is gone without having forwarded a signal (killed with SIGKILL, crashed). Otherwise `kill -9` of
 * the command the operator or a supervisor started would leave the job running on its own, unseen, holding
 * the output pipes its starter waits on. Called first thing.
 */
export function followLifeline(): void {
  const fd = Number(envSetting('lifelineFd'));
  if (!Number.isInteger(fd) || fd < 3) return;
  // Not passed on: a job's own children have no lifeline on that descriptor.
  delete process.env[ENV.lifelineFd];
  const line = new Socket({ fd, readable: true, writable: false });
  line.on('error', () => undefined);
  line.on('close', () => process.kill(process.pid, 'SIGKILL'));
  line.resume();
  // The lifeline alone must not keep the process alive once the command is done.
  line.unref();
}
