// The pgBackRest configuration file pgbackops owns for a backup server: one `[global]` section (the
// repository under the server's backup root, pgBackRest's own retention set so that it never expires
// anything, the lock, log and spool directories beside it) and one section per stanza of the server's nodes.
// Rendered from the catalog's objects alone, so the file's text is a function of the configuration: any other
// text under our header is drift, shown by plan and healed by apply and the daemon. docs/pgbackrest.md.
import { join } from 'node:path/posix';
import type { NodePgbackrestSpec } from '../../model.js';

export const PGBACKREST_CONFIG_HEADER = '# Managed by pgbackops: do not edit. Changes are overwritten at the next apply.';

/**
 * pgBackRest's largest `repo1-retention-full` (2.45 refuses 10000000 with error 032): with
 * `repo1-retention-full-type=count`, the expire that ends every `pgbackrest backup` keeps 9,999,999 fulls
 * and what depends on them, i.e. everything; pgbackops' retention expires with `expire --set`.
 */
export const NEVER_EXPIRE_FULL_COUNT = 9_999_999;

/** Where a backup server's pgBackRest files live, under its backup root. */
export interface PgbackrestPaths {
  /** The directory pgbackops owns for pgBackRest: `<backupRoot>/_pgbackrest` (no definition name starts with `_`). */
  root: string;
  config: string;
  repository: string;
  log: string;
  lock: string;
  spool: string;
}

export function pgbackrestPaths(backupRoot: string): PgbackrestPaths {
  const root = join(backupRoot, '_pgbackrest');
  return {
    root,
    config: join(root, 'pgbackrest.conf'),
    repository: join(root, 'repo'),
    log: join(root, 'log'),
    lock: join(root, 'lock'),
    spool: join(root, 'spool'),
  };
}

export interface StanzaOfNode {
  node: string;
  spec: NodePgbackrestSpec;
}

/** The whole file: the same objects always give the same text (stanzas sorted by name). */
export function renderPgbackrestConfig(server: string, paths: PgbackrestPaths, stanzas: readonly StanzaOfNode[]): string {
  const lines = [
    PGBACKREST_CONFIG_HEADER,
    `# pgBackRest configuration of backup server ${server}. pgbackops passes --config=<this file> to every`,
    '# pgbackrest command it runs; a node\'s archive_command must pass it too (pgbackops check says so).',
    '',
    '[global]',
    `repo1-path=${paths.repository}`,
    '# pgbackops applies the Retention rules and expires with `expire --set`: pgBackRest expires nothing itself.',
    'repo1-retention-full-type=count',
    `repo1-retention-full=${NEVER_EXPIRE_FULL_COUNT}`,
    `log-path=${paths.log}`,
    `lock-path=${paths.lock}`,
    `spool-path=${paths.spool}`,
    'start-fast=y',
    '# Warnings and errors on stderr, where pgbackops reads why a command failed; stdout is left to info\'s JSON.',
    'log-level-console=off',
    'log-level-stderr=warn',
    'log-level-file=info',
  ];
  for (const { node, spec } of [...stanzas].sort((a, b) => (a.spec.stanza < b.spec.stanza ? -1 : a.spec.stanza > b.spec.stanza ? 1 : 0))) {
    lines.push('', `# node ${node}`, `[${spec.stanza}]`, `pg1-path=${spec.pgPath}`, `pg1-port=${spec.pgPort}`);
    if (spec.pgSocketPath !== undefined) lines.push(`pg1-socket-path=${spec.pgSocketPath}`);
    if (spec.pgUser !== undefined) lines.push(`pg1-user=${spec.pgUser}`);
    if (spec.pgHost !== undefined) lines.push(`pg1-host=${spec.pgHost}`);
    if (spec.pgHostUser !== undefined) lines.push(`pg1-host-user=${spec.pgHostUser}`);
  }
  return lines.join('\n') + '\n';
}

export function isPgbackopsPgbackrestConfig(text: string): boolean {
  return text.startsWith(`${PGBACKREST_CONFIG_HEADER}\n`);
}

/** What a plan says of the file: what apply will do to it. */
export type ConfigFileChange =
  | { kind: 'unchanged' }
  | { kind: 'create' }
  /** Our file, with other text: a configuration change, or a hand edit (drift) when the configuration did not change. */
  | { kind: 'update'; changedLines: string[] }
  /** A file pgbackops did not write is there: apply refuses to touch it. */
  | { kind: 'foreign' };

export function configFileChange(current: string | null, wanted: string): ConfigFileChange {
  if (current === null) return { kind: 'create' };
  if (!isPgbackopsPgbackrestConfig(current)) return { kind: 'foreign' };
  if (current === wanted) return { kind: 'unchanged' };
  const have = new Set(current.split('\n'));
  const want = new Set(wanted.split('\n'));
  const changedLines = [
    ...current.split('\n').filter((l) => l !== '' && !want.has(l)).map((l) => `- ${l}`),
    ...wanted.split('\n').filter((l) => l !== '' && !have.has(l)).map((l) => `+ ${l}`),
  ];
  return { kind: 'update', changedLines };
}

/** The stanzas of a backup server's nodes, from the catalog's (or the configuration's) objects. */
export function stanzasOfServer(objects: Iterable<{ kind: string; name: string; spec: unknown }>, server: string): StanzaOfNode[] {
  const out: StanzaOfNode[] = [];
  for (const o of objects) {
    if (o.kind !== 'Node') continue;
    const spec = o.spec as { backupServer: string; pgbackrest?: NodePgbackrestSpec };
    if (spec.backupServer === server && spec.pgbackrest) out.push({ node: o.name, spec: spec.pgbackrest });
  }
  return out;
}
