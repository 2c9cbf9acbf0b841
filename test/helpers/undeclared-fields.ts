// The fields of a JSON document that its schema does not declare. The output schemas (schemas/output/) stay
// open to additive fields, as docs/cli.md's "JSON output" promises scripts, so validation alone lets a new field
// through undeclared; the JSON contract test walks every real document with this and expects nothing.
// A field counts as declared when a `properties` of the schema at its place names it: the schema itself or any
// schema it reaches there through $ref, allOf, anyOf or oneOf. An object whose schema has
// `additionalProperties` or `patternProperties` is a map (its keys are data): its values are walked, not its keys.
// Draft-07 subset the output schemas use; a $ref is "file#/pointer" or "#/pointer".

type Schema = Record<string, unknown>;

export interface SchemaSet {
  /** The schema files by name ("common.schema.json"). */
  files: Record<string, Schema>;
}

interface Located {
  schema: Schema;
  file: string;
}

/** Paths ("runs.0.pgbackrest_config") of the fields of `value` its schema `file` does not declare. */
export function undeclaredFields(set: SchemaSet, file: string, value: unknown): string[] {
  const root = set.files[file];
  if (!root) throw new Error(`no schema ${file}`);
  return walk(set, [{ schema: root, file }], value, '');
}

function walk(set: SchemaSet, at: Located[], value: unknown, path: string): string[] {
  const schemas = expand(set, at);
  if (Array.isArray(value)) {
    const items = schemas.flatMap((s) => (isSchema(s.schema['items']) ? [{ schema: s.schema['items'], file: s.file }] : []));
    return value.flatMap((v, i) => walk(set, items, v, `${path}${i}.`));
  }
  if (typeof value !== 'object' || value === null) return [];
  const isMap = schemas.some((s) => s.schema['additionalProperties'] !== undefined && s.schema['additionalProperties'] !== false || s.schema['patternProperties'] !== undefined);
  return Object.entries(value).flatMap(([key, v]) => {
    const declaring = schemas.flatMap((s) => {
      const props = s.schema['properties'];
      return isSchema(props) && isSchema(props[key]) ? [{ schema: props[key], file: s.file }] : [];
    });
    if (declaring.length > 0) return walk(set, declaring, v, `${path}${key}.`);
    if (isMap) {
      const values = schemas.flatMap((s) => (isSchema(s.schema['additionalProperties']) ? [{ schema: s.schema['additionalProperties'], file: s.file }] : []));
      return walk(set, values, v, `${path}${key}.`);
    }
    return [`${path}${key}`];
  });
}

/** The schemas in force at one place: these, and what their $ref, allOf, anyOf and oneOf reach, transitively. */
function expand(set: SchemaSet, at: Located[]): Located[] {
  const out: Located[] = [];
  const queue = [...at];
  while (queue.length > 0) {
    const next = queue.shift()!;
    if (out.some((o) => o.schema === next.schema)) continue;
    out.push(next);
    const ref = next.schema['$ref'];
    if (typeof ref === 'string') queue.push(resolve(set, next.file, ref));
    for (const key of ['allOf', 'anyOf', 'oneOf']) {
      const list = next.schema[key];
      if (Array.isArray(list)) for (const s of list) if (isSchema(s)) queue.push({ schema: s, file: next.file });
    }
  }
  return out;
}

function resolve(set: SchemaSet, from: string, ref: string): Located {
  const [filepart, pointer = ''] = ref.split('#');
  const file = filepart ? filepart : from;
  let node: unknown = set.files[file];
  for (const token of pointer.split('/').filter(Boolean)) node = (node as Schema | undefined)?.[token.replace(/~1/g, '/').replace(/~0/g, '~')];
  if (!isSchema(node)) throw new Error(`unresolved $ref ${ref} in ${from}`);
  return { schema: node, file };
}

function isSchema(value: unknown): value is Schema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
