// Rules across documents: unique names, references, and the checks that need a Backup's node and server
// (time zone against cron; what the Backup's method checks against its server, such as compression against
// the server's pg_dump).
import { methodRulesOf } from '../methods/registry.js';
import { referencesOf } from '../references.js';
import { methodOf, objectKey, type Kind, type SourceLocation } from '../model.js';
import type { DiagnosticCode } from './codes.js';
import { closest, finding, type DocPath, type Finding } from './findings.js';
import { isKind, type BackupInput, type BackupServerInput, type CheckedDocument, type DumpInput, type NodeInput } from './input.js';
import { DEFAULT_PG_DUMP_VERSION, DEFAULT_TIMEZONE } from './normalise.js';
import { canonicalTimeZone } from './timezones.js';
import type { ConfigDocument } from './yaml-documents.js';

/** A document whose kind and name could be read, whether or not the rest of it is valid. */
export interface NamedDocument {
  kind: Kind;
  name: string;
  source: SourceLocation;
  doc: ConfigDocument;
}

export interface DocFinding {
  doc: ConfigDocument;
  finding: Finding;
}

const NAME_PATH: DocPath = ['metadata', 'name'];

/**
 * Backups and Snapshots share one namespace: their runs are recorded, laid out under backupRoot and reported
 * by that name.
 */
const NAMESPACE_OF: Readonly<Partial<Record<Kind, Kind>>> = { Snapshot: 'Backup' };

/** The first document of each name, per namespace (file order): the one a duplicate points back at. */
export type FirstNames = ReadonlyMap<Kind, ReadonlyMap<string, NamedDocument>>;

export function firstNamesOf(named: readonly NamedDocument[]): FirstNames {
  // Per namespace, by name: no key string is built per document.
  const firsts = new Map<Kind, Map<string, NamedDocument>>();
  for (const d of named) {
    const namespace = NAMESPACE_OF[d.kind] ?? d.kind;
    let first = firsts.get(namespace);
    if (!first) firsts.set(namespace, (first = new Map()));
    if (!first.has(d.name)) first.set(d.name, d);
  }
  return firsts;
}

/**
 * Whether two documents are the same place of the configuration: the same document, or the same one read again
 * from an edited file (a caller that keeps `firsts` between loads: core/config/validate.ts).
 */
export function samePlace(a: { source: SourceLocation }, b: { source: SourceLocation }): boolean {
  return a.source.file === b.source.file && a.source.line === b.source.line && a.source.column === b.source.column;
}

/**
 * Same kind and name twice: the later one (in file order) is reported, pointing back at the first. `named`
 * may be some of the documents when `firsts` is of them all.
 */
export function duplicateFindings(named: readonly NamedDocument[], firsts: FirstNames = firstNamesOf(named)): DocFinding[] {
  const out: DocFinding[] = [];
  for (const d of named) {
    const earlier = firsts.get(NAMESPACE_OF[d.kind] ?? d.kind)?.get(d.name);
    if (!earlier || earlier === d || samePlace(earlier, d)) continue;
    out.push({
      doc: d.doc,
      finding: finding(
        'E_DUPLICATE_NAME',
        NAME_PATH,
        earlier.kind === d.kind
          ? `${d.kind} "${d.name}" is already defined at ${earlier.source.file}:${earlier.source.line}; names are unique per kind (rename one of them)`
          : `${earlier.kind} "${d.name}" is defined at ${earlier.source.file}:${earlier.source.line}; a Backup and a Snapshot cannot share a name, their backups are recorded and stored under it (rename one of them)`,
      ),
    });
  }
  return out;
}

/** The code for a dangling reference to each kind. */
const REFERENCE_CODES: Readonly<Partial<Record<Kind, DiagnosticCode>>> = {
  BackupServer: 'E_REF_UNKNOWN_SERVER',
  Node: 'E_REF_UNKNOWN_NODE',
  Retention: 'E_REF_UNKNOWN_RETENTION',
  Notifier: 'E_REF_UNKNOWN_NOTIFIER',
  ObjectStore: 'E_REF_UNKNOWN_STORE',
};

/**
 * References to objects that are not defined. `declared` holds every name that was written, including
 * documents that failed their own checks: those already have an error, and reporting every reference to
 * them as well would bury it.
 */
export function referenceFindings(checked: readonly CheckedDocument[], declared: ReadonlyMap<Kind, ReadonlySet<string>>): DocFinding[] {
  const out: DocFinding[] = [];
  for (const d of checked) {
    for (const ref of referencesOf(d.kind, d.spec)) {
      const names = declared.get(ref.kind) ?? new Set<string>();
      if (names.has(ref.name)) continue;
      const guess = closest(ref.name, names);
      const known = [...names].sort().slice(0, 5);
      const listing = known.length === 0 ? `no ${ref.kind} is defined` : `defined: ${known.join(', ')}${names.size > known.length ? ', ...' : ''}`;
      out.push({
        doc: d.doc,
        finding: finding(REFERENCE_CODES[ref.kind]!, [...ref.path], `${ref.kind} "${ref.name}" is not defined${guess ? ` (did you mean "${guess}"?)` : ''}; ${listing}`),
      });
    }
  }
  return out;
}

export interface Placement {
  servers: ReadonlyMap<string, CheckedDocument<'BackupServer'>>;
  nodes: ReadonlyMap<string, CheckedDocument<'Node'>>;
}

export function placementOf(checked: readonly CheckedDocument[]): Placement {
  const servers = new Map<string, CheckedDocument<'BackupServer'>>();
  const nodes = new Map<string, CheckedDocument<'Node'>>();
  for (const d of checked) {
    // First definition wins; a duplicate is reported on its own.
    if (isKind(d, 'BackupServer') && !servers.has(d.name)) servers.set(d.name, d);
    if (isKind(d, 'Node') && !nodes.has(d.name)) nodes.set(d.name, d);
  }
  return { servers, nodes };
}

export function serverOfBackup(spec: Pick<BackupInput, 'node'>, placement: Placement): BackupServerInput | undefined {
  const node = placement.nodes.get(spec.node)?.spec as NodeInput | undefined;
  return node ? placement.servers.get(node.backupServer)?.spec : undefined;
}

/** Checks of each Backup and Snapshot against the server that will run it. */
export function placementFindings(checked: readonly CheckedDocument[], placement: Placement, defaultPgDumpVersion: number | undefined): DocFinding[] {
  const out: DocFinding[] = [];
  for (const d of checked) {
    if (!isKind(d, 'Backup') && !isKind(d, 'Snapshot')) continue;
    const spec = d.spec as DumpInput;
    const server = serverOfBackup(spec, placement);
    const rules = methodRulesOf(methodOf(spec));
    for (const f of rules.serverFindings(spec, server, defaultPgDumpVersion ?? DEFAULT_PG_DUMP_VERSION)) out.push({ doc: d.doc, finding: f });
    for (const f of encryptionPlacementFindings(spec, server)) out.push({ doc: d.doc, finding: f });
    const tz = isKind(d, 'Backup') ? timeZoneFinding(d.spec, server) : null;
    if (tz) out.push({ doc: d.doc, finding: tz });
  }
  return out;
}

/** What the method of an encrypted Backup or Snapshot says about encrypting it (own encryption, or its server's). */
function encryptionPlacementFindings(spec: DumpInput, server: BackupServerInput | undefined): Finding[] {
  if (spec.encryption === 'none' || (spec.encryption === undefined && server?.encryption === undefined)) return [];
  const from = spec.encryption !== undefined ? 'spec' : 'server';
  const method = methodOf(spec);
  const rules = methodRulesOf(method);
  if (rules.encryptionFindings) return rules.encryptionFindings(spec, from);
  return [finding('E_ENCRYPTION_UNSUPPORTED', from === 'spec' ? ['spec', 'encryption'] : ['spec', 'method'],
    `the ${method} method cannot encrypt its backups yet${from === 'server' ? " (its backup server's default encryption applies to it): write encryption: none" : ': remove encryption'}`)];
}

/** A Restore of the latest backup of a name that is neither a Backup nor a Snapshot: likely a typo. */
/** Each Backup's and Snapshot's spec by name (the last of a name), which a Restore's source is checked against. */
export function restoreSourcesOf(checked: readonly CheckedDocument[]): ReadonlyMap<string, DumpInput> {
  const methods = new Map<string, DumpInput>();
  for (const d of checked) if (isKind(d, 'Backup') || isKind(d, 'Snapshot')) methods.set(d.name, d.spec as DumpInput);
  return methods;
}

/** `checked` may be some of the documents when `methods` is of them all (`restoreSourcesOf`). */
export function restoreSourceFindings(checked: readonly CheckedDocument[], declared: ReadonlyMap<Kind, ReadonlySet<string>>, methods?: ReadonlyMap<string, DumpInput>): DocFinding[] {
  // Most configurations hold no Restore: then the index of every Backup below is not built.
  if (!checked.some((d) => d.kind === 'Restore')) return [];
  const out: DocFinding[] = [];
  const sources = new Set([...(declared.get('Backup') ?? []), ...(declared.get('Snapshot') ?? [])]);
  methods ??= restoreSourcesOf(checked);
  for (const d of checked) {
    if (!isKind(d, 'Restore')) continue;
    const name = d.spec.from.latestOf;
    const source = name === undefined ? undefined : methods.get(name);
    if (source !== undefined) {
      // A logical backup cannot become a cluster directory, nor a physical one a node's databases.
      const method = methodOf(source);
      const into = methodRulesOf(method).restoresInto;
      const wants = d.spec.toDir !== undefined ? 'directory' : d.spec.toNode !== undefined ? 'node' : null;
      if (wants !== null && wants !== into) {
        out.push({
          doc: d.doc,
          finding: finding('E_RESTORE_METHOD', ['spec', wants === 'directory' ? 'toDir' : 'toNode'], into === 'node'
            ? `${name} is a ${method} backup: it restores into a node's databases (toNode), not into a directory; a point-in-time restore into a directory needs a basebackup or pgbackrest Backup`
            : `${name} is a ${method} backup of a whole cluster: it restores into a directory (toDir), with a recovery target, not into a node`, 'key'),
        });
      }
    }
    if (name === undefined || sources.has(name)) continue;
    const guess = closest(name, sources);
    out.push({
      doc: d.doc,
      finding: finding('W_RESTORE_SOURCE_UNKNOWN', ['spec', 'from', 'latestOf'],
        `no Backup or Snapshot "${name}" is defined${guess ? ` (did you mean "${guess}"?)` : ''}; the restore will fail when it runs unless the catalog holds a successful backup of that name`),
    });
  }
  return out;
}

/**
 * Debian's cron has no CRON_TZ: every line of a cron.d file or crontab is read in the server's local time.
 * A definition in another time zone can only be honoured by the builtin scheduler.
 */
function timeZoneFinding(spec: BackupInput, server: BackupServerInput | undefined): Finding | null {
  if (!server || spec.timezone === undefined) return null;
  const scheduler = server.scheduler?.type ?? 'cron.d';
  if (scheduler === 'builtin') return null;
  const serverTz = server.timezone ?? DEFAULT_TIMEZONE;
  const mine = canonicalTimeZone(spec.timezone);
  const theirs = canonicalTimeZone(serverTz);
  if (mine === null || theirs === null || mine === theirs) return null;
  return finding(
    'E_TZ_CRON_MISMATCH',
    ['spec', 'timezone'],
    `timezone ${spec.timezone} differs from the backup server's timezone ${serverTz}, but its scheduler ${scheduler} cannot run a line in another time zone (Debian cron has no CRON_TZ); ` +
      'use the server\'s time zone (omit timezone), or scheduler type builtin on the server',
  );
}
