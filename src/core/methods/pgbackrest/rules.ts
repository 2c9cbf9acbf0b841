// The pgbackrest method (pgBackRest's backup, info, expire, restore and verify), as the configuration loader
// and retention see it. Its cross-object rules (the node's stanza, a full for every diff/incr) are in
// placement-rules.ts; its I/O in src/methods/pgbackrest/. docs/pgbackrest.md describes it for users.
import type { DumpSpec, PgbackrestDumpSpec } from '../../model.js';
import type { BackupDependency } from '../retention-dependencies.js';
import type { MethodRules } from '../method-rules.js';
import { emptyPgbackrestFacts, type PgbackrestRunFacts } from './run-facts.js';

export const PGBACKREST_FIELDS = ['backupType'] as const;

export const PGBACKREST_RULES: MethodRules = {
  name: 'pgbackrest',
  prerequisites: [
    { name: 'pgbackrest', description: 'pgbackrest on the backup server (Debian package pgbackrest): every backup, expire, restore and verify runs it' },
    { name: 'stanza', description: "the node's stanza exists in the server's repository (apply runs stanza-create for a new one)" },
    { name: 'archive_command', description: "the node's archive_mode is on and its archive_command runs `pgbackrest --config=<the server's file> --stanza=<stanza> archive-push %p`: without it no backup completes and no point in time can be restored" },
    { name: 'pgbackrest check', description: '`pgbackrest check` passes: the node is reachable, its WAL reaches the repository' },
  ],
  fields: PGBACKREST_FIELDS,
  // The schema says what backupType may be; whether a full exists for a diff/incr needs the other documents.
  specFindings: () => [],
  serverFindings: () => [],
  normaliseOptions: (spec) => ({ backupType: spec.backupType ?? 'full' }),
  // A pgBackRest backup is of the whole cluster: every database.
  covers: () => true,
  // The stanza is known once the run has read its node; the rest once pgBackRest has taken the backup.
  runFacts: (spec) => ({
    method: 'pgbackrest', backupType: null, format: null, pgDumpVersion: null,
    methodFacts: emptyPgbackrestFacts('', pgbackrestSpecOf(spec).backupType),
  }),
  retention: { kind: 'chained', dependencies: priorDependencies },
  restoresInto: 'directory',
};

export function pgbackrestSpecOf(spec: DumpSpec): PgbackrestDumpSpec {
  if (spec.method !== 'pgbackrest') throw new Error(`a ${spec.method ?? 'logical'} definition was handed to the pgbackrest method`);
  return spec;
}

/**
 * A diff needs its full, an incr its prior (a diff, a full or another incr): `prior` in the facts, by label
 * within a stanza. A prior that no recorded run has (taken outside pgbackops, or already gone) is no
 * dependency retention can keep.
 */
export function priorDependencies(runs: ReadonlyArray<{ id: string; facts: unknown }>): BackupDependency[] {
  const byLabel = new Map<string, string>();
  for (const r of runs) {
    const f = r.facts as Partial<PgbackrestRunFacts> | null;
    if (f?.label) byLabel.set(`${f.stanza}\u0000${f.label}`, r.id);
  }
  const out: BackupDependency[] = [];
  for (const r of runs) {
    const f = r.facts as Partial<PgbackrestRunFacts> | null;
    if (!f?.prior) continue;
    const needs = byLabel.get(`${f.stanza}\u0000${f.prior}`);
    if (needs !== undefined) out.push({ backup: r.id, needs });
  }
  return out;
}
