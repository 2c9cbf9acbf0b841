// The backup server's pgBackRest configuration file, converged like its schedule (docs/pgbackrest.md): plan
// reads it and shows what apply would change (a hand edit is drift), apply and the daemon write it (atomic,
// only over a file with our header: a file pgbackops did not write is never touched), create the
// repository's directories for the job user, run `stanza-create` for each stanza and then `check`, and
// report every result: a failing check is shown, never hidden.
import { chown, lstat, readFile } from 'node:fs/promises';
import type { Logger } from '../adapters/logger.js';
import { writeFileAtomic } from '../adapters/fs/atomic-write.js';
import { makeDirectory } from '../adapters/fs/make-directory.js';
import { isRoot } from '../adapters/os/os-user.js';
import { sha256Hex } from '../core/canonical.js';
import {
  configFileChange, renderPgbackrestConfig, stanzasOfServer, type ConfigFileChange,
} from '../core/methods/pgbackrest/config-file.js';
import { stanzaCheckOutcome, type StanzaCheckRecord, type StanzaCheckSource } from '../core/methods/pgbackrest/stanza-check.js';
import type { BackupServerSpec } from '../core/model.js';
import { pgbackrestFailure, runPgbackrest, succeeded } from '../methods/pgbackrest/run-pgbackrest.js';
import { pgbackrestInvocation, serverPgbackrestPaths } from '../methods/pgbackrest/server-files.js';
import { resolveJobUser } from '../runtime/job-user.js';

export interface PgbackrestConfigPlan {
  file: string;
  change: ConfigFileChange;
  stanzas: string[];
  /** What apply writes. */
  text: string;
  /** sha256 of the file as it was read (null: absent), so that a saved plan is stale once the file moved. */
  contentHash: string | null;
}

export interface StanzaResult {
  stanza: string;
  /** The node that declares it. */
  node: string;
  /** stanza-create's outcome (it succeeds on an existing stanza that matches its cluster). */
  create: { ok: boolean; detail: string };
  /** `pgbackrest check`'s outcome. */
  check: { ok: boolean; detail: string };
}

export interface PgbackrestConvergence {
  file: string;
  change: ConfigFileChange;
  written: boolean;
  stanzas: StanzaResult[];
}

type Objects = Iterable<{ kind: string; name: string; spec: unknown }>;

/** null when the server has no stanza and no file: nothing of pgBackRest to show. */
export async function planPgbackrestConfig(stateDir: string, server: string, spec: BackupServerSpec, objects: Objects): Promise<PgbackrestConfigPlan | null> {
  const paths = serverPgbackrestPaths(stateDir, spec);
  const stanzas = stanzasOfServer(objects, server);
  const current = await readIfFile(paths.config);
  if (stanzas.length === 0 && current === null) return null;
  const text = renderPgbackrestConfig(server, paths, stanzas);
  return {
    file: paths.config, change: configFileChange(current, text), stanzas: stanzas.map((s) => s.spec.stanza).sort(), text,
    contentHash: current === null ? null : sha256Hex(current),
  };
}

export function pgbackrestConfigNeedsWrite(plan: PgbackrestConfigPlan | null | undefined): boolean {
  return plan?.change.kind === 'create' || plan?.change.kind === 'update';
}

/**
 * Writes the file when it differs (a configuration change or drift), creates and checks every stanza. With
 * `onlyWhenChanged` (the daemon's passes), a file that needs no write is left alone and nothing is run:
 * `pgbackrest check` switches the node's WAL file, which a pass every minute must not do.
 */
export async function convergePgbackrestConfig(
  stateDir: string, logger: Logger, server: string, spec: BackupServerSpec, objects: Objects, options: { onlyWhenChanged?: boolean } = {},
): Promise<PgbackrestConvergence | null> {
  const plan = await planPgbackrestConfig(stateDir, server, spec, objects);
  if (plan === null) return null;
  if (options.onlyWhenChanged && plan.change.kind === 'unchanged') return { file: plan.file, change: plan.change, written: false, stanzas: [] };
  const nodeOf = new Map(stanzasOfServer(objects, server).map((s) => [s.spec.stanza, s.node]));
  if (plan.change.kind === 'foreign') {
    logger.error({ file: plan.file }, 'a pgBackRest configuration file pgbackops did not write is in the way: left alone; no stanza is created or checked');
    // Recorded as failing: a stanza that cannot be checked is no passing one.
    const notRun = { ok: false, detail: `not run: ${plan.file} was not written by pgbackops (no header), so it is left alone; move it away and apply again` };
    return {
      file: plan.file, change: plan.change, written: false,
      stanzas: plan.stanzas.map((stanza) => ({ stanza, node: nodeOf.get(stanza) ?? '', create: notRun, check: { ok: false, detail: 'not checked: stanza-create was not run' } })),
    };
  }
  const paths = serverPgbackrestPaths(stateDir, spec);
  // The job user (the PostgreSQL OS user) owns the repository, logs, locks and spool; the node's
  // archive_command, run by the same user, reads the file.
  const owner = isRoot() ? await resolveJobUser(stateDir, spec) : null;
  for (const dir of [paths.root, paths.repository, paths.log, paths.lock, paths.spool]) {
    const made = await makeDirectory(dir, 0o750, 0o755);
    if (owner && made.created) await chown(dir, owner.uid, owner.gid);
  }
  const written = pgbackrestConfigNeedsWrite(plan);
  if (written) {
    await writeFileAtomic(plan.file, plan.text, 0o640);
    if (owner) await chown(plan.file, owner.uid, owner.gid);
    logger.info({ file: plan.file, change: plan.change.kind }, 'pgBackRest configuration written');
  }
  const how = await pgbackrestInvocation(stateDir, spec);
  const stanzas: StanzaResult[] = [];
  for (const stanza of plan.stanzas) {
    const created = await runPgbackrest('stanza-create', [`--stanza=${stanza}`], how);
    const create = succeeded(created) ? { ok: true, detail: 'stanza exists' } : { ok: false, detail: pgbackrestFailure(created).detail };
    const checked = create.ok ? await runPgbackrest('check', [`--stanza=${stanza}`], how) : null;
    const check = checked === null
      ? { ok: false, detail: 'not checked: stanza-create failed' }
      : succeeded(checked) ? { ok: true, detail: 'pgbackrest check passed' } : { ok: false, detail: pgbackrestFailure(checked).detail };
    if (!create.ok || !check.ok) logger.error({ stanza, create, check }, 'pgBackRest stanza is not ready');
    stanzas.push({ stanza, node: nodeOf.get(stanza) ?? '', create, check });
  }
  return { file: plan.file, change: plan.change, written, stanzas };
}

/** The checks a convergence ran, as the catalog records them (pgbackrest_stanza_checks). */
export function stanzaCheckRecords(server: string, convergence: PgbackrestConvergence, checkedBy: StanzaCheckSource, at: number): StanzaCheckRecord[] {
  return convergence.stanzas.map((s) => ({ server, stanza: s.stanza, node: s.node, ...stanzaCheckOutcome(s.create, s.check), checkedBy, checkedAt: at }));
}

async function readIfFile(path: string): Promise<string | null> {
  try {
    const st = await lstat(path);
    // A symlink or directory is not a file pgbackops wrote: report it as foreign (no header can be read).
    if (!st.isFile()) return '';
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}
