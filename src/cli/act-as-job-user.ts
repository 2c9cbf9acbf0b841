// Commands that act for a backup server (run, backup now, maintain, prune, restore, verify), started as root,
// run as that server's job user: the same command line is started again as that user and this process only
// waits for it. Whatever the command creates (backup directories, locks, spool records, cached tool versions)
// then belongs to the user the scheduled jobs run as, so a run by hand never leaves root-owned files that make
// the next scheduled run fail with EACCES. A fresh process, not setuid in this one: by the time most commands
// know which user to act as, they may hold files and connections opened as root. `restore` asks first, before
// it opens anything, and becomes that user itself (becomeJobUser): one Node start fewer in a restore's time.
import { spawn } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { constants } from 'node:os';
import type { BackupServerSpec } from '../core/model.js';
import { isRoot } from '../adapters/os/os-user.js';
import { LIFELINE_FD } from './lifeline.js';
import { serverSpecsOfThisMachine } from '../jobs/definition-lookup.js';
import { jobAccessProblems } from '../engine/job-user-access.js';
import { resolveJobUser, type JobUser } from '../runtime/job-user.js';
import type { CommandContext } from './context.js';
import { ENV } from '../adapters/os/environment.js';
import { PgbackopsError } from '../core/errors.js';

/** Exit 1 with its code on stderr (`pgbackops: error E_JOB_USER_ACCESS: ...`): the job user could not do the job. */
export class JobUserError extends PgbackopsError {
  constructor(readonly code: 'E_JOB_USER_ACCESS' | 'E_JOB_USER_AMBIGUOUS', message: string) {
    super(message);
  }
}

export interface ActingFor {
  /** The servers the command acts for, with their specs (asked only when this process is root). */
  servers: () => Promise<ReadonlyArray<{ name: string; spec: BackupServerSpec }>>;
  backups: 'write' | 'read';
}

/** Maintain, prune, restore and verify act for this machine's server(s): --server, else all applied here. */
export function actingForThisMachine(ctx: CommandContext, backups: 'write' | 'read'): ActingFor {
  return { servers: () => serverSpecsOfThisMachine(ctx.settings.stateDir, ctx.settings.server), backups };
}

/** Signals a supervisor or a terminal sends that the job must get too. */
const FORWARDED: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'];

/**
 * 'here' when this process should run the command itself (not root, no server known, or the job user is
 * root); 'delegated' when the command ran as the job user in a child, whose exit code is now this process's.
 * Refuses (JobUserError) when the job user could not do the job, naming what it cannot reach.
 */
export async function actAsJobUser(ctx: CommandContext, acting: ActingFor): Promise<'here' | 'delegated'> {
  const user = await jobUserToActAs(ctx, acting);
  if (user === null) return 'here';
  process.exitCode = await runAs(user, ctx.settings.stateDir, ctx.settings.actor);
  return 'delegated';
}

/**
 * actAsJobUser without a second process: this process itself becomes the job user (its supplementary groups
 * dropped, then its group and user set, as the child gets them; its environment that child's), and runs the
 * command. Only for a command that calls it first, before it opens anything as root (a file, a connection),
 * and ends with its work: `restore`, whose start-up is part of the restore's time. Refuses as actAsJobUser does.
 */
export async function becomeJobUser(ctx: CommandContext, acting: ActingFor): Promise<void> {
  const user = await jobUserToActAs(ctx, acting);
  if (user === null) return;
  Object.assign(process.env, jobUserEnvironment(user, ctx.settings.stateDir, ctx.settings.actor));
  process.setgroups!([]);
  process.setgid!(user.gid);
  process.setuid!(user.uid);
}

/** The job user this root process must act as, checked; null when it runs the command itself. */
async function jobUserToActAs(ctx: CommandContext, acting: ActingFor): Promise<JobUser | null> {
  if (!isRoot()) return null;
  const servers = await acting.servers();
  if (servers.length === 0) return null;
  const stateDir = ctx.settings.stateDir;
  const users = await Promise.all(servers.map(async (s) => ({ server: s, user: await resolveJobUser(stateDir, s.spec) })));
  const distinct = [...new Set(users.map((u) => u.user.name))];
  if (distinct.length > 1) {
    throw new JobUserError(
      'E_JOB_USER_AMBIGUOUS',
      `the backup servers of ${stateDir} run their jobs as different users (${users.map((u) => `${u.server.name}: ${u.user.name}`).join(', ')}); ` +
        'pass --server NAME to act for one of them',
    );
  }
  const { server, user } = users[0]!;
  if (user.uid === 0) return null;
  const problems = (
    await Promise.all(users.map((u) => jobAccessProblems(u.user, {
      stateDir, server: u.server.name, spec: u.server.spec, backups: acting.backups,
      localCatalog: !ctx.settings.catalogUrl, launcher: thisLauncher() ?? ctx.settings.binary,
    })))
  ).flat();
  if (problems.length > 0) {
    throw new JobUserError(
      'E_JOB_USER_ACCESS',
      `started as root, this command acts as ${user.name}, the user the jobs of backup server ${server.name} run as ` +
        `(${user.because}) so that what it creates stays usable by the scheduled jobs; but:\n` +
        problems.map((p) => `  - ${p}`).join('\n') +
        `\nGive ${user.name} that access (the scheduled jobs need it too), then run the command again, as root or as ${user.name} ` +
        `(runuser -u ${user.name} -- ${commandLine()})`,
    );
  }
  ctx.logger.info({ user: user.name, server: server.name }, 'started as root: running the command as the server\'s job user');
  return user;
}

/**
 * The environment cron gives a job of that user, so the run by hand finds the same ~/.pgpass and the same
 * state directory (root's default differs from an unprivileged user's); who started it, for what is recorded
 * (a restore's actor), is still the operator.
 */
function jobUserEnvironment(user: JobUser, stateDir: string, actor: string): NodeJS.ProcessEnv {
  return { HOME: user.home, USER: user.name, LOGNAME: user.name, [ENV.stateDir]: stateDir, [ENV.actor]: actor };
}

/** Starts this same command line as `user`, with stdio, signals and exit status passed through. */
function runAs(user: JobUser, stateDir: string, actor: string): Promise<number> {
  const child = spawn(process.execPath, [...process.execArgv, thisLauncher() ?? process.argv[1]!, ...process.argv.slice(2)], {
    uid: user.uid,
    gid: user.gid,
    // fd 3 is the lifeline: it closes when this process dies, however it dies (see followLifeline).
    stdio: ['inherit', 'inherit', 'inherit', 'pipe'],
    env: { ...process.env, ...jobUserEnvironment(user, stateDir, actor), [ENV.lifelineFd]: String(LIFELINE_FD) },
  });
  const forward = (signal: NodeJS.Signals): void => {
    child.kill(signal);
  };
  for (const signal of FORWARDED) process.on(signal, forward);
  return new Promise((resolvePromise, reject) => {
    child.once('error', (err) => {
      for (const signal of FORWARDED) process.off(signal, forward);
      reject(new Error(`could not start pgbackops as ${user.name}: ${err.message}`));
    });
    child.once('exit', (code, signal) => {
      for (const signal of FORWARDED) process.off(signal, forward);
      // A job killed by a signal: the shell's convention, 128 + the signal's number.
      resolvePromise(code ?? 128 + (signal ? constants.signals[signal] : 0));
    });
  });
}

/**
 * The script this process runs, with symlinks resolved (as Node resolved them to load it): started through a
 * link in a directory the job user cannot enter (`npx pgbackops` as root runs it through a link in root's npm
 * cache, /root/.npm/_npx/...), the job user starts the same file by the path it can reach.
 */
function thisLauncher(): string | undefined {
  const script = process.argv[1];
  if (script === undefined) return undefined;
  try {
    return realpathSync(script);
  } catch {
    return script;
  }
}

/** The command line as typed, for the message: the launcher's name and the arguments, quoted where needed. */
function commandLine(): string {
  return ['pgbackops', ...process.argv.slice(2)].map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}
