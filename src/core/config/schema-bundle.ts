// `pgbackops schema --bundle`: the configuration schemas as one self-contained JSON Schema, for tools that take
// a single file or URL (an editor's schema store, a CI validator): every kind's schema under `definitions`,
// every cross-file `$ref` rewritten to point inside the bundle, and an `$id`. Pure: the caller reads the files.

/** The schema files by name: the combined one (`pgbackops.schema.json`) and one per kind. */
export type SchemaFiles = Record<string, Record<string, unknown>>;

/** Where each kind's schema sits in the bundle: `#/definitions/<Kind>`. */
export function bundleSchemas(files: SchemaFiles, combined: string, kinds: Record<string, string>, id: string): Record<string, unknown> {
  const root = files[combined];
  if (!root) throw new Error(`no schema ${combined}`);
  const location = new Map<string, string>([[combined, '#'], ...Object.entries(kinds).map(([kind, file]) => [file, `#/definitions/${kind}`] as [string, string])]);
  const rewrite = (file: string) => (value: unknown): unknown => rewriteRefs(value, file, location);
  const { $schema, ...rest } = rewrite(combined)(root) as Record<string, unknown>;
  const definitions = { ...(rest.definitions as Record<string, unknown> | undefined) };
  for (const [kind, file] of Object.entries(kinds)) {
    const schema = files[file];
    if (!schema) throw new Error(`no schema ${file} for kind ${kind}`);
    // A subschema takes its dialect from the root: only the root says $schema.
    const { $schema: _dialect, ...body } = rewrite(file)(schema) as Record<string, unknown>;
    definitions[kind] = body;
  }
  return { $schema, $id: id, ...rest, definitions };
}

/** `other.schema.json#/x` → where `other` is in the bundle + `/x`; `#/x` inside `file` → `file`'s place + `/x`. */
function rewriteRefs(value: unknown, file: string, location: ReadonlyMap<string, string>): unknown {
  if (Array.isArray(value)) return value.map((v) => rewriteRefs(v, file, location));
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    out[key] = key === '$ref' && typeof v === 'string' ? bundledRef(v, file, location) : rewriteRefs(v, file, location);
  }
  return out;
}

function bundledRef(ref: string, file: string, location: ReadonlyMap<string, string>): string {
  const hash = ref.indexOf('#');
  const target = hash < 0 ? ref : ref.slice(0, hash);
  const pointer = hash < 0 ? '' : ref.slice(hash + 1);
  const base = location.get(target === '' ? file : target);
  if (base === undefined) throw new Error(`${file}: $ref ${ref} points outside the schemas being bundled`);
  return `${base}${pointer}`;
}
