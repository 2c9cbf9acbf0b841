// Where a command's configuration comes from: a directory (-c DIR), or a git repository at a ref
// (--repo URL|PATH --ref REF --path SUBDIR), exported into the state directory. For git, the revision is
// the commit SHA instead of the content hash, so the catalog records which commit was applied.
// The git machinery (simple-git, execa) is loaded only when --repo is given: plan and apply of a plain
// directory stay as light to start as before.
import type { GitSource } from '../adapters/git/git-source.js';

export interface ConfigSourceFlags {
  config?: string;
  repo?: string;
  ref?: string;
  path?: string;
  verifySignatures?: boolean;
  allowedSigners?: string;
}

export interface ResolvedConfigSource {
  dir: string;
  /** The commit SHA when the configuration comes from git; null for a plain directory. */
  revision: string | null;
}

export async function gitSourceOf(flags: ConfigSourceFlags, stateDir: string): Promise<GitSource | null> {
  if (!flags.repo) {
    if (flags.ref || flags.path || flags.verifySignatures || flags.allowedSigners) {
      throw new Error('--ref, --path, --verify-signatures and --allowed-signers need --repo');
    }
    return null;
  }
  // Either flag alone asks for verification: --verify-signatures has no key to check against, and an allowed
  // signers file that is given but not used would apply any commit while the operator believes it is checked.
  if (flags.verifySignatures && !flags.allowedSigners) throw new Error('--verify-signatures needs --allowed-signers FILE');
  const { GitSource } = await import('../adapters/git/git-source.js');
  return new GitSource({
    url: flags.repo,
    stateDir,
    ...(flags.ref ? { ref: flags.ref } : {}),
    ...(flags.path ? { path: flags.path } : {}),
    ...(flags.allowedSigners ? { allowedSignersFile: flags.allowedSigners } : {}),
  });
}

/**
 * The configuration directory of `flags`. With signature verification, `lastApplied` tells which revision the
 * catalog holds, so that every commit since it is verified, not only the head (asked only then: it needs the
 * catalog).
 */
export async function resolveConfigSource(flags: ConfigSourceFlags, stateDir: string, lastApplied: () => Promise<string | null> = async () => null): Promise<ResolvedConfigSource> {
  const git = await gitSourceOf(flags, stateDir);
  if (!git) return { dir: flags.config ?? '.', revision: null };
  const commit = await git.fetchRevision();
  const checkout = await git.checkout(commit, git.verifiesSignatures ? await lastApplied() : null);
  return { dir: checkout.dir, revision: checkout.commit };
}
