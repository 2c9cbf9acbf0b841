// Configuration files -> the desired model, or every problem at once with file:line:column and a stable
// code. Pure: the files are given, nothing is read; the same input always gives the same output.
import { walArchiveFindings, walArchiveFirstsOf, type WalArchiveFirsts } from './wal-archive-rules.js';
import { canonicalJson, sha256Hex, sha256OfParts, specHash } from '../canonical.js';
import { rpoBreaches } from '../rpo/breaches.js';
import { API_VERSION, KINDS, methodOf, objectKey, type DesiredConfig, type DesiredObject, type Diagnostic, type Kind } from '../model.js';
import type { ConfigFile } from './config-file.js';
import { pgbackrestPlacementFindings, pgbackrestPlacementOf, type PgbackrestPlacement } from '../methods/pgbackrest/placement-rules.js';
import {
  duplicateFindings,
  firstNamesOf,
  placementFindings,
  placementOf,
  referenceFindings,
  restoreSourceFindings,
  restoreSourcesOf,
  serverOfBackup,
  type DocFinding,
  type FirstNames,
  type NamedDocument,
  type Placement,
} from './config-rules.js';
import { documentFindings } from './document-rules.js';
import { closest, compareDiagnostics, compareText, finding, quote, type Finding } from './findings.js';
import { isKind, type BackupServerInput, type CheckedDocument, type DumpInput } from './input.js';
import { locate, toDiagnostic } from './locate.js';
import {
  DEFAULT_TIMEZONE, normaliseBackup, normaliseNode, normaliseNotifier, normaliseObjectStore, normaliseRestore, normaliseRetention, normaliseServer, normaliseSnapshot,
} from './normalise.js';
import { TOO_DEEP_MESSAGE, tooDeepPath } from './nesting.js';
import { schemaFindings } from './schema-errors.js';
import { kindValidators } from './schemas.js';
import { unstorableTextFindings } from './storable-text.js';
import { findSecrets, insideSecret } from './secrets.js';
import { parseConfigFile, partialValue, withPlainEnvironment, type ConfigDocument } from './yaml-documents.js';

export type { ConfigFile } from './config-file.js';

export interface ValidateOptions {
  /** pg_dump major version assumed for servers that do not declare pgDumpVersion (default 15). */
  pgDumpVersion?: number;
  /**
   * When the configuration is checked (epoch ms): RPO worst cases are measured over the calendar year of it.
   * Without it, over a fixed reference year, so that the result never depends on the clock.
   */
  now?: number;
}

/** 2024: a leap year, so schedules on 29 February are measured too. */
const REFERENCE_TIME = Date.UTC(2024, 0, 1);

export interface ValidationResult {
  /** Null if and only if there is at least one error. */
  config: DesiredConfig | null;
  /** Errors and warnings, sorted by file, line, column. */
  diagnostics: Diagnostic[];
}

/** Content hash of a set of files: sha256 over the (path, text) pairs sorted by path. */
export function configRevision(files: readonly ConfigFile[]): string {
  // The sha256 of canonicalJson([[path, text], ...]) in path order (revisions stay what they always were),
  // hashed file by file rather than as one string of the whole configuration.
  const sorted = [...files].sort((a, b) => compareText(a.path, b.path));
  return sha256OfParts(
    (function* () {
      yield '[';
      for (let i = 0; i < sorted.length; i++) yield `${i > 0 ? ',' : ''}[${JSON.stringify(sorted[i]!.path)},${JSON.stringify(sorted[i]!.text)}]`;
      yield ']';
    })(),
  );
}

export function validateConfig(files: ConfigFile[], options: ValidateOptions = {}): ValidationResult {
  return withPlainEnvironment(() => {
    const sorted = [...files].sort((a, b) => compareText(a.path, b.path));
    return combineFileChecks(sorted.map(checkOneFile), configRevision(sorted), options);
  });
}

/**
 * What one file says on its own: its documents parsed and checked (schema, per-document rules), with their
 * findings. It depends on the file's path and text only, so a caller may keep it by content hash and give
 * it to `combineFileChecks` again while the file is unchanged (the daemon does: engine/incremental-desired.ts).
 * Never mutated after it is made.
 */
export interface FileCheck {
  readonly path: string;
  /** Syntax problems of the file. */
  readonly diagnostics: readonly Diagnostic[];
  /** Documents, broken ones included: a configuration without any is refused. */
  readonly documentCount: number;
  /** Kinds and names that documents with a syntax error still declare. */
  readonly brokenNames: readonly { kind: Kind; name: string }[];
  readonly documents: readonly DocumentCheck[];
}

export interface DocumentCheck {
  readonly doc: ConfigDocument;
  /** The document's own findings (cross-document ones are added by `combineFileChecks`). */
  readonly findings: readonly Finding[];
  readonly named?: NamedDocument;
  readonly checked?: CheckedDocument;
}

/** Checks files on their own (see `FileCheck`). */
export function checkConfigFiles(files: readonly ConfigFile[]): FileCheck[] {
  return withPlainEnvironment(() => files.map(checkOneFile));
}

function checkOneFile(file: ConfigFile): FileCheck {
  const parsed = parseConfigFile(file);
  const brokenNames: { kind: Kind; name: string }[] = [];
  // A document with a syntax error still declares its name when that much can be read: references to
  // it are then not reported as dangling on top of the syntax error.
  for (const doc of parsed.broken) {
    const id = identify(doc, partialValue(doc));
    if (id) brokenNames.push({ kind: id.kind, name: id.name });
  }
  const documents = parsed.documents.map((doc): DocumentCheck => ({ doc, ...checkDocument(doc) }));
  return { path: file.path, diagnostics: parsed.diagnostics, documentCount: parsed.documents.length + parsed.broken.length, brokenNames, documents };
}

/**
 * Normalised objects kept between calls of `combineFileChecks` with the same document (a `FileCheck` kept
 * by content hash): a document is normalised again only when the backup server it takes its defaults from
 * (time zone, encryption) is another spec than before.
 */
export type NormaliseMemo = WeakMap<CheckedDocument, { server: BackupServerInput | undefined; object: DesiredObject }>;

/**
 * The rules across files over the files' own checks, then normalisation: the validation of the files whose
 * checks these are, in path order; `revision` is their `configRevision`. `validateConfig` is this over fresh
 * checks, so a caller that keeps checks gets exactly what a full validation gives.
 */
export function combineFileChecks(checks: readonly FileCheck[], revision: string, options: ValidateOptions = {}, memo?: NormaliseMemo): ValidationResult {
  return withPlainEnvironment(() => combine(checks, revision, options, memo).result);
}

/**
 * What a valid configuration's combination keeps for the next one (`recombineFileChecks`): the indexes the
 * rules across files look names, nodes and servers up in, its diagnostics without the RPO ones, its objects.
 * Never mutated: a recombination makes a new one.
 */
export interface CombinedChecks {
  readonly pgDumpVersion: number | undefined;
  readonly context: CrossContext;
  /** Sorted; the RPO warnings are measured again each time (they depend on every object). */
  readonly diagnostics: readonly Diagnostic[];
  /** In catalog order (kind, then name), each (kind, name) once: a configuration with a duplicate keeps nothing. */
  readonly objects: readonly DesiredObject[];
}

/** `combineFileChecks`, and what the next combination may start from (null when the configuration is invalid). */
export function combineFileChecksKeeping(checks: readonly FileCheck[], revision: string, options: ValidateOptions = {}, memo?: NormaliseMemo): { result: ValidationResult; kept: CombinedChecks | null } {
  return withPlainEnvironment(() => combine(checks, revision, options, memo));
}

/**
 * The combination after some files changed, from the last one's `kept`: only the changed files' documents go
 * through the rules across files and normalisation, the others keep their findings and objects. That holds
 * while no changed file changes what it tells the others (`exportsOf`: its names and their places, Nodes' and
 * BackupServers' specs, the method and node of each Backup): then null, and the caller combines everything.
 * The result is what `combineFileChecks` gives over all files (test/unit/config/incremental-desired.test.ts).
 */
export function recombineFileChecks(
  kept: CombinedChecks,
  changed: readonly { before: FileCheck; after: FileCheck }[],
  revision: string,
  options: ValidateOptions = {},
  memo?: NormaliseMemo,
): { result: ValidationResult; kept: CombinedChecks | null } | null {
  if (options.pgDumpVersion !== kept.pgDumpVersion) return null;
  for (const { before, after } of changed) if (before.path !== after.path || exportsOf(before) !== exportsOf(after)) return null;
  return withPlainEnvironment(() => {
    const named: NamedDocument[] = [];
    const checked: CheckedDocument[] = [];
    for (const { after } of changed) {
      for (const d of after.documents) {
        if (d.named) named.push(d.named);
        if (d.checked) checked.push(d.checked);
      }
    }
    // The restore rule's index of every Backup is kept only when a Restore was there to need it.
    if (kept.context.restoreSources === null && checked.some((d) => d.kind === 'Restore')) return null;
    const crossByDoc = crossFindingsByDoc(crossFindings(named, checked, kept.context, options.pgDumpVersion));
    const paths = new Set(changed.map((c) => c.after.path));
    const fresh: Diagnostic[] = [];
    for (const { after } of changed) fileDiagnostics(after, crossByDoc, fresh);
    const diagnostics = [...kept.diagnostics.filter((d) => !paths.has(d.file)), ...fresh.sort(compareDiagnostics)].sort(compareDiagnostics);
    if (diagnostics.some((d) => d.severity === 'error')) return { result: { config: null, diagnostics }, kept: null };
    const objects = kept.objects.slice();
    for (const d of checked) {
      const at = catalogIndex(objects, d.kind, d.name);
      // Exports unchanged: the same (kind, name) is there; anything else is left to a whole combination.
      if (at < 0) return null;
      objects[at] = normaliseOne(d, kept.context.placement, memo);
    }
    const rpo = rpoBreaches(objects, options.now ?? REFERENCE_TIME);
    // Placing a breach needs every document: rare enough (a warning) to combine everything then.
    if (rpo.length > 0) return null;
    return { result: { config: { revision, objects }, diagnostics }, kept: { ...kept, diagnostics, objects } };
  });
}

/** The indexes of every document that the rules across files look others up in. */
interface CrossContext {
  declared: ReadonlyMap<Kind, ReadonlySet<string>>;
  firstNames: FirstNames;
  placement: Placement;
  /** Built only when a Restore needs it. */
  restoreSources: ReadonlyMap<string, DumpInput> | null;
  walArchives: WalArchiveFirsts;
  pgbackrest: PgbackrestPlacement;
}

function crossContextOf(checks: readonly FileCheck[], named: readonly NamedDocument[], checked: readonly CheckedDocument[]): CrossContext {
  const declared = new Map<Kind, Set<string>>(KINDS.map((k) => [k, new Set<string>()]));
  for (const file of checks) for (const id of file.brokenNames) declared.get(id.kind)!.add(id.name);
  for (const n of named) declared.get(n.kind)!.add(n.name);
  return {
    declared,
    firstNames: firstNamesOf(named),
    placement: placementOf(checked),
    restoreSources: checked.some((d) => d.kind === 'Restore') ? restoreSourcesOf(checked) : null,
    walArchives: walArchiveFirstsOf(checked),
    pgbackrest: pgbackrestPlacementOf(checked),
  };
}

/** The findings across files of `named` and `checked` (all documents, or some when `context` is of them all). */
function crossFindings(named: readonly NamedDocument[], checked: readonly CheckedDocument[], context: CrossContext, pgDumpVersion: number | undefined): DocFinding[] {
  return [
    ...duplicateFindings(named, context.firstNames),
    ...referenceFindings(checked, context.declared),
    ...placementFindings(checked, context.placement, pgDumpVersion),
    ...restoreSourceFindings(checked, context.declared, context.restoreSources ?? undefined),
    ...walArchiveFindings(checked, context.walArchives),
    ...pgbackrestPlacementFindings(checked, context.pgbackrest),
  ];
}

function crossFindingsByDoc(findings: readonly DocFinding[]): Map<ConfigDocument, Finding[]> {
  const crossByDoc = new Map<ConfigDocument, Finding[]>();
  for (const { doc, finding: f } of findings) {
    const list = crossByDoc.get(doc);
    if (list) list.push(f);
    else crossByDoc.set(doc, [f]);
  }
  return crossByDoc;
}

/** A file's syntax problems, then each document's own findings and those across files. */
function fileDiagnostics(file: FileCheck, crossByDoc: ReadonlyMap<ConfigDocument, Finding[]>, out: Diagnostic[]): void {
  out.push(...file.diagnostics);
  for (const { doc, findings: own } of file.documents) {
    const cross = crossByDoc.get(doc);
    if (own.length === 0 && !cross) continue;
    const list = cross ? [...own, ...cross] : own;
    // Nothing may quote a secret's value: drop other findings about the same place.
    const secrets = list.filter((f) => f.code === 'E_SECRET_FIELD');
    for (const f of list) {
      if (f.code !== 'E_SECRET_FIELD' && insideSecret(f.path, secrets)) continue;
      out.push(toDiagnostic(doc, f));
    }
  }
}

/**
 * What a file tells the rules about other documents, and normalisation about other objects: its documents'
 * kinds, names and their places, which are checked, the specs of its Nodes and BackupServers (placement,
 * WAL archives, stanzas, defaults), the method, node and backup type of its Backups and Snapshots (restore
 * sources, pgbackrest fulls). Two checks with equal exports leave every other document's result as it was.
 */
function exportsOf(file: FileCheck): string {
  const parts: unknown[] = [file.documentCount, file.brokenNames];
  for (const { named, checked } of file.documents) {
    parts.push(named ? [named.kind, named.name, named.source.file, named.source.line, named.source.column] : null);
    if (!checked) parts.push(null);
    else if (isKind(checked, 'Node') || isKind(checked, 'BackupServer')) parts.push(canonicalJson(checked.spec));
    else if (isKind(checked, 'Backup') || isKind(checked, 'Snapshot')) {
      const spec = checked.spec as DumpInput;
      parts.push([methodOf(spec), spec.node, (spec as { backupType?: string }).backupType ?? null]);
    } else parts.push(checked.kind);
  }
  return JSON.stringify(parts);
}

/** Where (kind, name) is in objects in catalog order, or -1. */
function catalogIndex(objects: readonly DesiredObject[], kind: Kind, name: string): number {
  const rank = KINDS.indexOf(kind);
  let lo = 0;
  let hi = objects.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const o = objects[mid]!;
    const c = KINDS.indexOf(o.kind) - rank || compareText(o.name, name);
    if (c < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo < objects.length && objects[lo]!.kind === kind && objects[lo]!.name === name ? lo : -1;
}

function combine(checks: readonly FileCheck[], revision: string, options: ValidateOptions, memo: NormaliseMemo | undefined): { result: ValidationResult; kept: CombinedChecks | null } {
  const diagnostics: Diagnostic[] = [];
  const named: NamedDocument[] = [];
  const checked: CheckedDocument[] = [];
  let documentCount = 0;

  for (const file of checks) {
    documentCount += file.documentCount;
    for (const result of file.documents) {
      if (result.named) named.push(result.named);
      if (result.checked) checked.push(result.checked);
    }
  }

  const context = crossContextOf(checks, named, checked);
  const crossByDoc = crossFindingsByDoc(crossFindings(named, checked, context, options.pgDumpVersion));
  for (const file of checks) fileDiagnostics(file, crossByDoc, diagnostics);
  if (documentCount === 0) diagnostics.push(...emptyConfigDiagnostics(checks.map((c) => c.path)));

  const failed = diagnostics.some((d) => d.severity === 'error');
  const objects = failed ? null : normaliseAll(checked, context.placement, memo);
  if (objects === null) return { result: { config: null, diagnostics: diagnostics.sort(compareDiagnostics) }, kept: null };
  diagnostics.sort(compareDiagnostics);
  const kept: CombinedChecks = { pgDumpVersion: options.pgDumpVersion, context, diagnostics: diagnostics.slice(), objects };
  diagnostics.push(...rpoDiagnostics(objects, checked, options.now ?? REFERENCE_TIME));
  diagnostics.sort(compareDiagnostics);
  return { result: { config: { revision, objects }, diagnostics }, kept };
}

/** W_RPO_BREACH at the rpo field that sets the requirement, naming the database and its worst case. */
function rpoDiagnostics(objects: readonly DesiredObject[], checked: readonly CheckedDocument[], now: number): Diagnostic[] {
  const breaches = rpoBreaches(objects, now);
  if (breaches.length === 0) return [];
  const docs = new Map(checked.map((d) => [objectKey(d.kind, d.name), d.doc]));
  return breaches.map((b) => toDiagnostic(docs.get(objectKey(b.rpo.kind, b.rpo.name))!, finding('W_RPO_BREACH', ['spec', 'rpo'], b.message)));
}

/**
 * A configuration without a document is refused, so that a wrong path never reads as "delete everything".
 * Said of the directory when there is no file to read, else of each file, which then holds nothing.
 */
function emptyConfigDiagnostics(files: readonly string[]): Diagnostic[] {
  const at = (file: string, message: string): Diagnostic => ({ code: 'E_CONFIG_EMPTY', message, file, line: 1, column: 1, path: '', severity: 'error' });
  if (files.length === 0) return [at('.', 'no configuration document: the directory holds no *.yaml or *.yml file that could be read')];
  const others = files.length === 1 ? 'and it is the only configuration file' : `nor do the other ${files.length - 1} configuration file(s)`;
  return files.map((f) => at(f, `this file holds no YAML document (it is empty, or only comments and "---"), ${others}`));
}

interface DocumentResult {
  findings: Finding[];
  named?: NamedDocument;
  checked?: CheckedDocument;
}

function checkDocument(doc: ConfigDocument): DocumentResult {
  const value = doc.value;
  // First, so that no recursive walk below (secrets, text, schema, rules) meets a document deep enough
  // to exhaust the stack.
  // Its kind and name still count as declared, so references to it are not reported on top.
  const deep = tooDeepPath(value);
  if (deep) {
    const id = identify(doc, value);
    return { findings: [finding('E_YAML_TOO_DEEP', deep, TOO_DEEP_MESSAGE)], named: id ? namedDocument(id, doc) : undefined };
  }
  const findings = [...findSecrets(value), ...unstorableTextFindings(value)];
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    const found = Array.isArray(value) ? 'a list' : `a single ${typeof value} value`;
    findings.push(finding('E_SCHEMA_TYPE', [], `a document must be a mapping with apiVersion, kind, metadata and spec; found ${found}`));
    return { findings };
  }
  const record = value as Record<string, unknown>;

  if (record.apiVersion !== API_VERSION) {
    findings.push(
      record.apiVersion === undefined
        ? finding('E_API_VERSION', ['apiVersion'], `apiVersion is missing; every document starts with apiVersion: ${API_VERSION}`, 'parent')
        : finding('E_API_VERSION', ['apiVersion'], `apiVersion is ${quote(record.apiVersion)}; this version of pgbackops reads ${API_VERSION}`),
    );
    return { findings };
  }
  if (!KINDS.includes(record.kind as Kind)) {
    const allowed = KINDS.join(', ');
    if (record.kind === undefined) {
      findings.push(finding('E_KIND_UNKNOWN', ['kind'], `kind is missing; allowed: ${allowed}`, 'parent'));
    } else {
      const guess = typeof record.kind === 'string' ? closest(record.kind, KINDS) : undefined;
      findings.push(finding('E_KIND_UNKNOWN', ['kind'], `kind ${quote(record.kind)} is unknown${guess ? ` (did you mean "${guess}"?)` : ''}; allowed: ${allowed}`));
    }
    return { findings };
  }
  const kind = record.kind as Kind;
  const id = identify(doc, value);
  const named = id ? namedDocument(id, doc) : undefined;

  const validate = kindValidators()[kind];
  if (!validate(value)) {
    findings.push(...schemaFindings(validate.errors ?? []));
    return { findings, named };
  }
  const checked: CheckedDocument = {
    kind,
    name: id!.name, // the schema requires a valid metadata.name
    spec: record.spec as CheckedDocument['spec'],
    source: id!.source,
    doc,
  };
  findings.push(...documentFindings(checked));
  return { findings, named, checked };
}

/**
 * Written out field by field: a spread (`{ ...id, doc }`) gave each of these objects a hidden class of its own
 * in V8 (~230 bytes of map and descriptors per document, kept for as long as the daemon keeps the check).
 */
function namedDocument(id: Omit<NamedDocument, 'doc'>, doc: ConfigDocument): NamedDocument {
  return { kind: id.kind, name: id.name, source: id.source, doc };
}

/** Kind and name, if the document says that much, with the position of metadata.name. */
function identify(doc: ConfigDocument, value: unknown): Omit<NamedDocument, 'doc'> | undefined {
  const record = value as { apiVersion?: unknown; kind?: unknown; metadata?: { name?: unknown } } | null | undefined;
  if (!record || typeof record !== 'object') return undefined;
  const name = record.metadata && typeof record.metadata === 'object' ? record.metadata.name : undefined;
  if (record.apiVersion !== API_VERSION || !KINDS.includes(record.kind as Kind) || typeof name !== 'string') return undefined;
  // The fast reader noted where the name is; otherwise find it in the YAML tree.
  const at = doc.nameOffset === undefined ? undefined : doc.source.position(doc.nameOffset);
  const source = at ? { file: doc.file, line: at.line, column: at.col } : locate(doc, ['metadata', 'name']);
  return { kind: record.kind as Kind, name, source };
}

function normaliseAll(checked: readonly CheckedDocument[], placement: Placement, memo: NormaliseMemo | undefined): DesiredObject[] {
  const objects = checked.map((d) => normaliseOne(d, placement, memo));
  // Kind by kind, then by name within each: the comparator of one kind's sort is a plain string comparison.
  const byKind = new Map<Kind, DesiredObject[]>(KINDS.map((k) => [k, []]));
  for (const o of objects) byKind.get(o.kind)!.push(o);
  return KINDS.flatMap((k) => byKind.get(k)!.sort(byName));
}

function normaliseOne(d: CheckedDocument, placement: Placement, memo: NormaliseMemo | undefined): DesiredObject {
  const server = isKind(d, 'Backup') || isKind(d, 'Snapshot') ? serverOfBackup(d.spec, placement) : undefined;
  const kept = memo?.get(d);
  if (kept && kept.server === server) return kept.object;
  const spec = normaliseSpec(d, server);
  // normaliseSpec returns the spec of the document's kind; TypeScript cannot pair the two unions.
  const object = { kind: d.kind, name: d.name, spec, hash: specHash(spec), source: d.source } as DesiredObject;
  memo?.set(d, { server, object });
  return object;
}

function byName(a: DesiredObject, b: DesiredObject): number {
  return compareText(a.name, b.name);
}

/** `server`: the spec of a Backup's or Snapshot's backup server, whose time zone and encryption are its defaults. */
function normaliseSpec(d: CheckedDocument, server: BackupServerInput | undefined): DesiredObject['spec'] {
  if (isKind(d, 'Retention')) return normaliseRetention(d.spec);
  if (isKind(d, 'Notifier')) return normaliseNotifier(d.spec);
  if (isKind(d, 'ObjectStore')) return normaliseObjectStore(d.spec);
  if (isKind(d, 'BackupServer')) return normaliseServer(d.spec);
  if (isKind(d, 'Node')) return normaliseNode(d.spec, d.name);
  if (isKind(d, 'Backup')) return normaliseBackup(d.spec, d.name, server?.timezone ?? DEFAULT_TIMEZONE, server?.encryption);
  if (isKind(d, 'Snapshot')) return normaliseSnapshot(d.spec, server?.encryption);
  if (isKind(d, 'Restore')) return normaliseRestore(d.spec);
  throw new Error(`unhandled kind ${d.kind}`);
}
