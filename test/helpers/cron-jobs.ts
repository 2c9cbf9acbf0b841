// Reads cron text the way Debian's cron does (load_env/load_entry) and runs a job the way cron runs it:
// `$SHELL -c COMMAND` with cron's own environment (SHELL=/bin/sh, HOME and LOGNAME of the user, PATH
// /usr/bin:/bin) overridden by the NAME=value lines above the job, and nothing inherited from the caller.
import { userInfo } from 'node:os';
import { execa } from 'execa';

export interface CronJob {
  /** The five time fields (or one @keyword). */
  when: string[];
  /** cron.d and /etc/crontab lines only: whom the job runs as. */
  user?: string;
  command: string;
  /** The settings in force for this job (those above it). */
  settings: Record<string, string>;
}

const SETTING_RE = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/;

export function cronJobsOf(text: string, opts: { userField: boolean }): CronJob[] {
  const settings: Record<string, string> = {};
  const jobs: CronJob[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trimStart();
    if (line === '' || line.startsWith('#')) continue;
    const setting = SETTING_RE.exec(line);
    if (setting) {
      settings[setting[1]!] = unquote(setting[2]!);
      continue;
    }
    const tokens = line.split(/[ \t]+/);
    const whenCount = tokens[0]!.startsWith('@') ? 1 : 5;
    const when = tokens.slice(0, whenCount);
    const user = opts.userField ? tokens[whenCount] : undefined;
    // The command is the rest of the line as written (cron keeps its spacing); `%` would end it, and none of ours has one.
    const skip = whenCount + (opts.userField ? 1 : 0);
    const match = new RegExp(`^(?:\\S+[ \\t]+){${skip}}`).exec(line);
    const command = line.slice(match![0].length);
    if (command.includes('%')) throw new Error(`cron would cut this command at %: ${command}`);
    jobs.push({ when, ...(user !== undefined ? { user } : {}), command, settings: { ...settings } });
  }
  return jobs;
}

function unquote(value: string): string {
  const q = value[0];
  return (q === '"' || q === "'") && value.endsWith(q) && value.length >= 2 ? value.slice(1, -1) : value;
}

/** Runs a job as cron would for the current user (the job's user field, if any, must be this user). */
export async function runAsCron(job: CronJob, extraEnv: Record<string, string> = {}) {
  const me = userInfo();
  if (job.user !== undefined && job.user !== me.username) throw new Error(`the job runs as ${job.user}, not as ${me.username}`);
  const env = { SHELL: '/bin/sh', HOME: me.homedir, LOGNAME: me.username, PATH: '/usr/bin:/bin', ...job.settings, ...extraEnv };
  return execa(env.SHELL, ['-c', job.command], { env, extendEnv: false, reject: false, stdin: 'ignore' });
}
