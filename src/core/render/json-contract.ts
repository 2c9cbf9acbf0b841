// The JSON contract (docs/cli.md, "JSON output"): what every `--json` document and the daemon's /status look
// like whatever the spelling inside the code. Every key is snake_case; every document starts with
// format_version and pgbackops_version; a failure is an error object. The code keeps its camelCase records and
// converts them here, at the edge, in one place, so that a field added to a record cannot leak another style.
// Pure: the caller prints.

/** The version of the document formats; raised only by an incompatible change (docs/cli.md). */
export const JSON_FORMAT_VERSION = '1';

/**
 * Where a document holds keys that are data rather than field names. Paths are dotted snake_case keys,
 * `*` standing for any key or array index (`plan.object_actions.*.before`).
 */
export interface KeptKeys {
  /** Objects whose own keys are data (kind names, database names): their keys are kept, their values converted. */
  maps?: readonly string[];
  /** Values echoed from the configuration as written (a spec): kept whole, in the configuration's spelling. */
  verbatim?: readonly string[];
}

/** `lastSuccessAt` → `last_success_at`, `walLSN` → `wal_lsn`; keys that are already snake_case stay. */
export function snakeCase(key: string): string {
  return key.replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2').replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

/**
 * A field name in camelCase. Anything else (a database name with a space, a kind name such as
 * `BackupServer`, a key already in snake_case) is never rewritten, even where no KeptKeys rule names it.
 */
const CAMEL_CASE_FIELD = /^[a-z][a-z0-9]*(?:[A-Z][A-Za-z0-9]*)+$/;

/** `value` with every field name in snake_case, except where `kept` says the keys are data. */
export function contractJson(value: unknown, kept: KeptKeys = {}): unknown {
  const rules = [
    ...(kept.maps ?? []).map((p) => ({ path: p.split('.'), keep: 'map' as const })),
    ...(kept.verbatim ?? []).map((p) => ({ path: p.split('.'), keep: 'verbatim' as const })),
  ];
  return convert(value, rules, 0);
}

interface Rule {
  path: string[];
  keep: 'map' | 'verbatim';
}

function convert(value: unknown, rules: readonly Rule[], depth: number): unknown {
  if (Array.isArray(value)) {
    const next = descend(rules, '*', depth);
    return value.map((item) => convert(item, next, depth + 1));
  }
  if (!isPlainObject(value)) return value;
  const here = rules.find((r) => r.path.length === depth);
  if (here?.keep === 'verbatim') return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    const name = here?.keep === 'map' || !CAMEL_CASE_FIELD.test(key) ? key : snakeCase(key);
    out[name] = convert(item, descend(rules, name, depth), depth + 1);
  }
  return out;
}

/** The rules that still apply below the key `key` at `depth`. */
function descend(rules: readonly Rule[], key: string, depth: number): Rule[] {
  return rules.filter((r) => r.path.length > depth && (r.path[depth] === '*' || r.path[depth] === key));
}

/** Plain data only: a Date or a class instance is left for JSON.stringify (toJSON) or the printer to handle. */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * A document: format_version and pgbackops_version first, then the body in the contract's spelling. A body
 * that has its own format_version (the plan's, which is also the saved-plan format) keeps it.
 */
export function jsonDocument(body: Record<string, unknown>, pgbackopsVersion: string, kept: KeptKeys = {}): Record<string, unknown> {
  const converted = contractJson(body, kept) as Record<string, unknown>;
  return { format_version: JSON_FORMAT_VERSION, pgbackops_version: pgbackopsVersion, ...converted };
}

/** What a command that failed under --json prints on stdout (and exits 1). */
export interface JsonError {
  code: string;
  message: string;
  /** An invalid configuration: every diagnostic, as `validate --json` lists them. */
  diagnostics?: unknown[];
}

export function errorDocument(error: JsonError, pgbackopsVersion: string): Record<string, unknown> {
  return jsonDocument({ error }, pgbackopsVersion);
}
