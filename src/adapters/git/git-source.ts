// The configuration from a git repository: cloned once (a mirror) into <stateDir>/git/<hash of the URL>,
// fetched on every sync, and the wanted ref's commit exported (git archive) into an immutable directory
// named by the commit, <stateDir>/git/<hash>.trees/<sha>, which is what gets loaded. Exported trees never
// change once written, so a CLI `plan --repo` can read one while the daemon syncs.
// The revision applied is the commit SHA. With signature verification, a commit that git verify-commit
// does not accept against the allowed signers file is never exported, let alone applied; neither is a head
// whose history since the last applied revision holds such a commit (docs/operations.md, "Signed commits").
// Resolving the ref (`fetchRevision`) is separate from verifying and exporting it (`checkout`), so a caller
// that already refused a commit can recognise it without checking it again.
import { createHash } from 'node:crypto';
import { accessSync, constants, existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rename, rm, stat } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { execa } from 'execa';
import { simpleGit } from 'simple-git';
import { withFileLock } from '../os/file-lock.js';
import { PgbackopsError } from '../../core/errors.js';

export interface GitSourceOptions {
  /** Remote URL or local path of the repository. */
  url: string;
  /** Branch, tag or commit; default the remote's default branch (its HEAD when cloned). */
  ref?: string;
  /** Sub-directory of the repository holding the configuration. */
  path?: string;
  stateDir: string;
  /** ssh allowed signers file: only commits signed by one of them are accepted (it must exist). */
  allowedSignersFile?: string;
}

export interface GitCheckout {
  commit: string;
  /** Directory to load the configuration from (the exported tree + path). */
  dir: string;
}

export class UnverifiedCommitError extends PgbackopsError {
  readonly code = 'E_GIT_UNVERIFIED';
  /**
   * @param commit the commit that was to be applied (the head of the ref)
   * @param culprit the commit that failed verification: the head itself, or one in its history since `since`
   */
  constructor(readonly commit: string, why: string, culprit: string = commit, since: string | null = null) {
    super(culprit === commit
      ? `commit ${commit} is not signed by an allowed signer: ${why}`
      : `commit ${culprit}, between the last applied revision ${since!.slice(0, 12)} and ${commit}, is not signed by an allowed signer: ${why}`);
  }
}

export class GitSourceError extends PgbackopsError {
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
    if (options.allowedSignersFile) assertReadableSigners(options.allowedSignersFile);
    if (options.path && (isAbsolute(options.path) || options.path.split(/[\\/]/).includes('..'))) {
      throw new GitSourceError(`--path must be a relative sub-directory of the repository, got ${options.path}`);
    }
  }

  get verifiesSignatures(): boolean {
    return this.options.allowedSignersFile !== undefined;
  }

  get description(): string {
    return `git ${redactUrl(this.options.url)}${this.options.ref ? `@${this.options.ref}` : ''}${this.options.path ? ` path ${this.options.path}` : ''}`;
  }

  /**
   * Fetches, resolves the ref, verifies the commit if asked (with its history since `since`, the revision
   * applied last, when that is a commit of this repository), and exports it.
   */
  async sync(since: string | null = null): Promise<GitCheckout> {
    return this.checkout(await this.fetchRevision(), since);
  }

  /** Fetches and resolves the ref to its commit SHA; nothing is verified or exported yet. */
  async fetchRevision(): Promise<string> {
    await mkdir(join(this.options.stateDir, 'git'), { recursive: true, mode: 0o700 });
    return this.locked(async () => {
      await this.fetch();
      return this.resolveRef();
    });
  }

  /**
   * Verifies `commit` if asked (UnverifiedCommitError when it, or a commit after `since` in its history, is not
   * signed by an allowed signer) and exports its tree.
   */
  async checkout(commit: string, since: string | null): Promise<GitCheckout> {
    await this.locked(async () => {
      if (this.options.allowedSignersFile) await this.verify(commit, since);
      await this.exportTree(commit);
    });
    const dir = this.options.path ? join(this.treesDir, commit, this.options.path) : join(this.treesDir, commit);
    if (!existsSync(dir)) throw new GitSourceError(`commit ${commit} has no directory ${this.options.path ?? '.'}`);
    return { commit, dir };
  }

  private locked<T>(fn: () => Promise<T>): Promise<T> {
    return withFileLock(`${this.mirrorDir}.lock`, `pgbackops git sync ${redactUrl(this.options.url)}`, LOCK_TIMEOUT_MS, fn);
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

  /**
   * Verifies the head and every commit reachable from it but not from `since` (merged branches included), so an
   * unsigned commit cannot reach the configuration under a signed one. Without a base (nothing applied yet, or
   * the last applied revision is not a commit of this repository) only the head can be verified.
   */
  private async verify(sha: string, since: string | null): Promise<void> {
    // A missing file is the daemon's configuration, not a verdict on the commit: a failure, retried.
    assertReadableSigners(this.options.allowedSignersFile!);
    const signers = resolve(this.options.allowedSignersFile!);
    const base = since !== null && since !== sha && (await this.isCommit(since)) ? since : null;
    const range = base === null ? [] : (await this.git(['rev-list', `${base}..${sha}`])).split('\n').filter((c) => c !== '' && c !== sha);
    // The head first, then its history newest first: the message names the newest offending commit.
    for (const commit of [sha, ...range]) {
      const result = await execa('git', ['-c', `gpg.ssh.allowedSignersFile=${signers}`, 'verify-commit', '--', commit], {
        cwd: this.mirrorDir, reject: false, stdin: 'ignore',
      });
      if (result.exitCode !== 0) {
        const text = String(result.stderr).trim();
        throw new UnverifiedCommitError(sha, text === '' ? 'the commit is not signed' : text.split('\n').slice(-1)[0]!, commit, base);
      }
    }
  }

  private async isCommit(revision: string): Promise<boolean> {
    if (!/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(revision)) return false;
    const result = await execa('git', ['cat-file', '-e', `${revision}^{commit}`], { cwd: this.mirrorDir, reject: false, stdin: 'ignore' });
    return result.exitCode === 0;
  }

  private async git(args: string[]): Promise<string> {
    return (await execa('git', args, { cwd: this.mirrorDir, stdin: 'ignore' })).stdout;
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

/**
 * git verify-commit with a missing allowed signers file only says "No principal matched."; say what is wrong.
 */
function assertReadableSigners(file: string): void {
  try {
    accessSync(file, constants.R_OK);
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : `cannot be read (${(err as NodeJS.ErrnoException).code})`;
    throw new GitSourceError(`the allowed signers file ${resolve(file)} ${why}: no commit can be verified`);
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
