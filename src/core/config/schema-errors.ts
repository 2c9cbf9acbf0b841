// ajv errors -> findings a DBA can act on: what was found, what is allowed, pointing at the right node.
import type { SchemaError } from './schemas.js';
import type { DiagnosticCode } from './codes.js';
import { closest, displayPath, finding, parseJsonPointer, quote, type Finding, type PathSegment } from './findings.js';
import { NAME_PATTERN, nameProblem } from '../names.js';

export function schemaFindings(errors: readonly SchemaError[]): Finding[] {
  const out: Finding[] = [];
  const seen = new Set<string>();
  for (const error of errors) {
    const f = translate(error);
    if (!f) continue;
    // Several keywords can fail on one value (minLength and pattern on a name): one message is enough.
    const key = `${f.code} ${f.path.join('/')}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(f);
  }
  return out;
}

/**
 * Choices with a code of their own: a Backup's or Snapshot's method selects which of its fields apply and
 * how it runs, so a method this version does not have is reported as such, not as any unknown choice.
 */
const ENUM_CODES: Readonly<Record<string, DiagnosticCode>> = { '/spec/method': 'E_METHOD_UNKNOWN' };

function translate(error: SchemaError): Finding | null {
  const path: PathSegment[] = parseJsonPointer(error.instancePath);
  const where = displayPath(path);
  const parentSchema = (error.parentSchema ?? {}) as SchemaInfo;
  switch (error.keyword) {
    case 'additionalProperties': {
      const field = String(error.params.additionalProperty);
      const allowed = Object.keys(parentSchema.properties ?? {});
      const guess = closest(field, allowed);
      const hint = guess ? `did you mean "${guess}"? ` : '';
      return finding(
        'E_SCHEMA_UNKNOWN_FIELD',
        [...path, field],
        `unknown field "${field}" in ${where}; ${hint}allowed: ${allowed.join(', ') || 'none'}`,
        'key',
      );
    }
    case 'required': {
      const field = String(error.params.missingProperty);
      const description = firstSentence(parentSchema.properties?.[field]?.description);
      return finding(
        'E_SCHEMA_REQUIRED',
        [...path, field],
        `${where} is missing the required field "${field}"${description ? ` (${description})` : ''}`,
        'parent',
      );
    }
    case 'type':
      return finding('E_SCHEMA_TYPE', path, typeMessage(where, error.params.type as string | string[], error.data));
    case 'enum':
    case 'const': {
      const allowed = (error.keyword === 'enum' ? (error.schema as unknown[]) : [error.schema]).map(String);
      const guess = typeof error.data === 'string' ? closest(error.data, allowed) : undefined;
      return finding(
        ENUM_CODES[error.instancePath] ?? 'E_SCHEMA_ENUM',
        path,
        `${where} is ${quote(error.data)}; allowed: ${allowed.join(', ')}${guess ? ` (did you mean "${guess}"?)` : ''}`,
      );
    }
    case 'pattern':
      return patternFinding(error, path, where);
    case 'propertyNames':
      return null; // reported through the inner 'pattern' error, which knows the offending key
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return finding('E_SCHEMA_RANGE', path, `${where} is ${quote(error.data)}; it must be ${error.params.comparison} ${error.params.limit}`);
    case 'minLength':
    case 'maxLength':
      if (isNameSchema(parentSchema) && typeof error.data === 'string') return nameFinding(path, where, error.data);
      return finding(
        'E_SCHEMA_RANGE',
        path,
        `${where} is ${String(error.data).length} characters long; it must have ${error.keyword === 'minLength' ? 'at least' : 'at most'} ${error.params.limit}`,
      );
    case 'minItems':
    case 'maxItems':
      return finding(
        'E_SCHEMA_RANGE',
        path,
        `${where} has ${(error.data as unknown[]).length} item(s); it must have ${error.keyword === 'minItems' ? 'at least' : 'at most'} ${error.params.limit}`,
      );
    case 'uniqueItems': {
      const items = error.data as unknown[];
      return finding('E_SCHEMA', [...path, error.params.i as number], `${where} lists ${quote(items[error.params.i as number])} more than once`);
    }
    case 'if':
    case 'allOf':
    case 'anyOf':
    case 'oneOf':
      return null; // the failing branch reports the precise error itself
    default:
      return finding('E_SCHEMA', path, `${where} ${error.message ?? 'is invalid'}`);
  }
}

interface SchemaInfo {
  properties?: Record<string, { description?: string }>;
  pattern?: string;
  patternErrorMessage?: string;
  description?: string;
}

function patternFinding(error: SchemaError, path: PathSegment[], where: string): Finding {
  const parentSchema = (error.parentSchema ?? {}) as SchemaInfo;
  // A pattern inside propertyNames: the offending thing is a key.
  const propertyName = (error as { propertyName?: string }).propertyName;
  if (propertyName !== undefined) {
    return finding('E_SCHEMA_PATTERN', [...path, propertyName], `key ${quote(propertyName)} in ${where} is not allowed; expected ${parentSchema.patternErrorMessage ?? `a match for ${String(error.params.pattern)}`}`, 'key');
  }
  if (isNameSchema(parentSchema) && typeof error.data === 'string') return nameFinding(path, where, error.data);
  const expected = parentSchema.patternErrorMessage ?? `a value matching ${String(error.params.pattern)}`;
  return finding('E_SCHEMA_PATTERN', path, `${where} is ${quote(error.data)}; expected ${expected}`);
}

function isNameSchema(schema: SchemaInfo): boolean {
  return schema.pattern === NAME_PATTERN.source;
}

function nameFinding(path: PathSegment[], where: string, name: string): Finding {
  return finding('E_NAME_INVALID', path, `${where} ${quote(name)} is not a valid name: ${nameProblem(name) ?? 'it does not match the name rule'}`);
}

function typeMessage(where: string, expected: string | string[], data: unknown): string {
  const wanted = (Array.isArray(expected) ? expected : [expected]).map(typeLabel).join(' or ');
  const found = foundLabel(data);
  let hint = '';
  if (wanted.includes('string') && (typeof data === 'number' || typeof data === 'boolean')) {
    hint = `; YAML read ${String(data)} as a ${typeof data}: quote it ("${String(data)}")`;
  } else if (wanted === 'true or false' && typeof data === 'string') {
    hint = '; write true or false without quotes';
  } else if (wanted.startsWith('a whole number') && typeof data === 'string' && /^\d+$/.test(data)) {
    hint = '; remove the quotes';
  }
  return `${where} must be ${wanted}, found ${found}${hint}`;
}

function typeLabel(type: string): string {
  switch (type) {
    case 'integer':
      return 'a whole number';
    case 'number':
      return 'a number';
    case 'boolean':
      return 'true or false';
    case 'array':
      return 'a list';
    case 'object':
      return 'a mapping';
    case 'string':
      return 'a string';
    default:
      return type;
  }
}

function foundLabel(data: unknown): string {
  if (data === null) return 'nothing (null)';
  if (Array.isArray(data)) return 'a list';
  if (data instanceof Uint8Array) return 'binary data';
  if (typeof data === 'object') return 'a mapping';
  if (typeof data === 'number') return `${Number.isInteger(data) ? 'the number' : 'the decimal number'} ${data}`;
  return `${typeof data} ${quote(data)}`;
}

function firstSentence(text: string | undefined): string | undefined {
  if (!text) return undefined;
  const end = text.search(/\.(\s|$)/);
  return (end === -1 ? text : text.slice(0, end)).replace(/`/g, '');
}
