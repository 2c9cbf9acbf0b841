// The configuration from a git repository: cloned once (a mirror) into <stateDir>/git/<hash of the URL>,
// fetched on every sync, and the wanted ref's commit exported (git archive) into an immutable directory
// named by the commit, <stateDir>/git/<hash>.trees/<sha>, which is what gets loaded. Exported trees never
// change once written, so a CLI `plan --repo` can read one while the daemon syncs.
// The revision applied is the commit SHA. With signature verification, a commit that git verify-commit
// does not accept against the allowed signers file is never exported, let alone applied.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rename, rm, stat } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { execa } from 'execa';
import { simpleGit } from 'simple-git';
import { withFileLock } from '../postgres/file-lock.js';

export interface GitSourceOptions {
  /** Remote URL or local path of the repository. */
  url: string;
  /** Branch, tag or commit; default the remote's default branch (its HEAD when cloned). */
  ref?: string;
  /** Sub-directory of the repository holding the configuration. */
  path?: string;
  stateDir: string;
  /** ssh allowed signers file: only commits signed by one of them are accepted. */
  allowedSignersFile?: string;
}

export interface GitCheckout {
  commit: string;
  /** Directory to load the configuration from (the exported tree + path). */
  dir: string;
}

export class UnverifiedCommitError extends Error {
  readonly code = 'E_GIT_UNVERIFIED';
  constructor(readonly commit: string, why: string) {
    super(`commit ${commit} is not signed by an allowed signer: ${why}`);
  }
}

export class GitSourceError extends Error {
  readonly code = 'E_GIT_SOURCE';
}

const LOCK_TIMEOUT_MS = 120_000;
const KEEP_OLD_TREES_MS = 3_600_000;

export class GitSource {
  readonly mirrorDir: string;
  private readonly treesDir: string;

  constructor(private readonly options: GitSourceOptions) {
    const url = normaliseUrl(options.url);
    const key = createHash('sha256').update(url).digest('hex').slice(0, 16);
    this.mirrorDir = join(options.stateDir, 'git', key);
    this.treesDir = join(options.stateDir, 'git', `${key}.trees`);
    this.options = { ...options, url };
    if (options.path && (isAbsolute(options.path) || options.path.split(/[\\/]/).includes('..'))) {
      throw new GitSourceError(`--path must be a relative sub-directory of the repository, got ${options.path}`);
    }
  }

  get description(): string {
    return `git ${redactUrl(this.options.url)}${this.options.ref ? `@${this.options.ref}` : ''}${this.options.path ? ` path ${this.options.path}` : ''}`;
  }

  /** Fetches, resolves the ref, verifies the commit if asked, and exports it. */
  async sync(): Promise<GitCheckout> {
    await mkdir(join(this.options.stateDir, 'git'), { recursive: true, mode: 0o700 });
    const commit = await withFileLock(`${this.mirrorDir}.lock`, `pgbackops git sync ${redactUrl(this.options.url)}`, LOCK_TIMEOUT_MS, async () => {
      await this.fetch();
      const sha = await this.resolveRef();
      if (this.options.allowedSignersFile) await this.verify(sha);
      await this.exportTree(sha);
      return sha;
    });
    const dir = this.options.path ? join(this.treesDir, commit, this.options.path) : join(this.treesDir, commit);
    if (!existsSync(dir)) throw new GitSourceError(`commit ${commit} has no directory ${this.options.path ?? '.'}`);
    return { commit, dir };
  }

  /** Removes exported trees other than `keep` that are older than an hour (a CLI may still read a recent one). */
  async pruneTrees(keep: string): Promise<void> {
    const names = await readdir(this.treesDir).catch(() => [] as string[]);
    for (const name of names) {
      if (name === keep) continue;
      const path = join(this.treesDir, name);
      const age = Date.now() - (await stat(path).catch(() => ({ mtimeMs: Date.now() }))).mtimeMs;
      if (age > KEEP_OLD_TREES_MS) await rm(path, { recursive: true, force: true });
    }
  }

  private async fetch(): Promise<void> {
    if (!existsSync(join(this.mirrorDir, 'HEAD'))) {
      // Clone next to the final place and rename, so a crash never leaves a half clone that looks complete.
      const tmp = await mkdtemp(`${this.mirrorDir}.clone-`);
      try {
        await simpleGit().clone(this.options.url, tmp, ['--mirror', '--quiet']);
        await rm(this.mirrorDir, { recursive: true, force: true });
        await rename(tmp, this.mirrorDir);
      } catch (err) {
        await rm(tmp, { recursive: true, force: true });
        throw new GitSourceError(`cannot clone ${redactUrl(this.options.url)}: ${redactText((err as Error).message.trim(), this.options.url)}`);
      }
      return;
    }
    try {
      await simpleGit(this.mirrorDir).fetch(['--prune', '--quiet', 'origin']);
    } catch (err) {
      throw new GitSourceError(`cannot fetch ${redactUrl(this.options.url)}: ${redactText((err as Error).message.trim(), this.options.url)}`);
    }
  }

  private async resolveRef(): Promise<string> {
    const ref = this.options.ref ?? 'HEAD';
    if (ref.startsWith('-')) throw new GitSourceError(`not a git ref: ${ref}`);
    try {
      return (await simpleGit(this.mirrorDir).raw(['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`])).trim();
    } catch {
      throw new GitSourceError(`the repository has no branch, tag or commit ${ref}`);
    }
  }

  private async verify(sha: string): Promise<void> {
    const signers = resolve(this.options.allowedSignersFile!);
    const result = await execa('git', ['-c', `gpg.ssh.allowedSignersFile=${signers}`, 'verify-commit', '--', sha], {
      cwd: this.mirrorDir, reject: false, stdin: 'ignore',
    });
    if (result.exitCode !== 0) {
      const text = String(result.stderr).trim();
      throw new UnverifiedCommitError(sha, text === '' ? 'the commit is not signed' : text.split('\n').slice(-1)[0]!);
    }
  }

  private async exportTree(sha: string): Promise<void> {
    const target = join(this.treesDir, sha);
    if (existsSync(target)) return;
    await mkdir(this.treesDir, { recursive: true, mode: 0o700 });
    const tmp = await mkdtemp(join(this.treesDir, `.${sha.slice(0, 12)}-`));
    try {
      const tar = join(tmp, '.export.tar');
      await execa('git', ['archive', '--format=tar', `--output=${tar}`, sha], { cwd: this.mirrorDir, stdin: 'ignore' });
      await execa('tar', ['-x', '-f', tar, '-C', tmp], { stdin: 'ignore' });
      await rm(tar);
      await rename(tmp, target);
    } catch (err) {
      await rm(tmp, { recursive: true, force: true });
      throw err;
    }
  }
}

/** A local path is keyed by its absolute form, so `.` and its full path share one clone. */
function normaliseUrl(url: string): string {
  return !/^[a-z][a-z0-9+.-]*:\/\//i.test(url) && !/^[^/]+@[^/]+:/.test(url) && existsSync(url) ? resolve(url) : url;
}

/** The URL without a password or token in its userinfo (https://user:token@host/...), for logs and errors. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (!parsed.password) return url;
    parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
}

function redactText(text: string, url: string): string {
  return redactUrl(url) === url ? text : text.split(url).join(redactUrl(url));
}
