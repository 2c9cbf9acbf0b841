// --repo/--ref/--path (+ signature verification): where plan, apply and the daemon take the configuration
// from, when it is a git repository rather than -c DIR.
import type { Command } from 'commander';
import { withCatalog } from '../runtime/catalog-session.js';
import { resolveConfigSource, type ConfigSourceFlags } from '../engine/config-source.js';
import { contextOf } from './context.js';
import { CliError } from './output.js';

/** --repo/--ref/--path (+ signature verification): the configuration from a git repository instead of -c DIR. */
export function addConfigSourceFlags(command: Command): Command {
  return command
    .option('--repo <url>', 'take the configuration from this git repository (URL or path) instead of -c DIR; cloned into the state directory')
    .option('--ref <ref>', 'branch, tag or commit of --repo (default: the remote\'s default branch)')
    .option('--path <subdir>', 'sub-directory of --repo holding the configuration')
    .option('--verify-signatures', 'apply only commits signed (ssh signatures) by a key of --allowed-signers; needs --allowed-signers')
    .option('--allowed-signers <file>', 'ssh allowed signers file (git\'s gpg.ssh.allowedSignersFile); implies --verify-signatures: the head and every commit since the last applied revision must be signed by one of its keys');
}

/** For plan/apply: the configuration directory and, for git, the commit SHA to use as the revision. */
export async function configDirOf(command: Command, stateDir: string): Promise<{ dir: string; revision: string | null }> {
  const flags = command.optsWithGlobals() as ConfigSourceFlags;
  // Asked only when signatures are verified: the commits since the catalog's revision are checked too.
  const lastApplied = async (): Promise<string | null> => {
    const ctx = contextOf(command);
    return withCatalog(ctx.settings, ctx.logger, (catalog) => catalog.lastAppliedRevision());
  };
  try {
    return await resolveConfigSource(flags, stateDir, lastApplied);
  } catch (err) {
    throw new CliError((err as Error).message);
  }
}
