#!/usr/bin/env node
// Generates docs/configuration.md from the JSON Schemas in schemas/ (the contract), so that the reference
// can never drift from what the validator accepts. Usage:
//   node scripts/gen-config-docs.mjs           write docs/configuration.md
//   node scripts/gen-config-docs.mjs --check   exit 1 if docs/configuration.md is out of date
import { readFileSync, writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { COMBINED_SCHEMA_FILE, KIND_SCHEMA_FILES } from './schema-files.mjs';

const root = new URL('../', import.meta.url);
const schemaDir = new URL('schemas/', root);
const output = new URL('docs/configuration.md', root);

/** The kinds in the order the reference documents them, with their schema files. */
const KINDS = ['BackupServer', 'Node', 'Retention', 'Backup', 'Snapshot', 'Restore', 'Notifier', 'ObjectStore'].map((kind) => [kind, KIND_SCHEMA_FILES[kind]]);
const COMBINED = COMBINED_SCHEMA_FILE;

const schemas = new Map();
function schemaFile(file) {
  if (!schemas.has(file)) schemas.set(file, JSON.parse(readFileSync(new URL(file, schemaDir), 'utf8')));
  return schemas.get(file);
}

/** Follows $ref (local or to another schema file) and merges allOf, so a property reads as one schema. */
function resolve(schema, file) {
  let current = schema;
  let currentFile = file;
  if (current.$ref) {
    const [target, pointer = ''] = current.$ref.split('#');
    currentFile = target || file;
    current = pointer
      .split('/')
      .filter(Boolean)
      .reduce((node, key) => node[key], schemaFile(currentFile));
    return resolve({ ...current, ...withoutRef(schema) }, currentFile);
  }
  if (current.allOf) {
    let merged = { ...current, allOf: undefined };
    for (const part of current.allOf) {
      const { schema: r } = resolve(part, currentFile);
      merged = { ...r, ...merged, properties: { ...(r.properties ?? {}), ...(merged.properties ?? {}) } };
    }
    return { schema: merged, file: currentFile };
  }
  return { schema: current, file: currentFile };
}

function withoutRef(schema) {
  const { $ref, ...rest } = schema;
  return rest;
}

function typeOf(schema) {
  if (schema.enum) return schema.enum.map((v) => `\`${v}\``).join(' | ');
  if (schema.const !== undefined) return `\`${schema.const}\``;
  const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  return types
    .map((t) => {
      if (t === 'array') return `list of ${schema.items?.type ?? 'any'}`;
      if (t === 'object' && schema.additionalProperties && typeof schema.additionalProperties === 'object' && !schema.properties) {
        return `map of ${schema.additionalProperties.type ?? 'any'}`;
      }
      if (t === 'object') return 'mapping';
      if (t === 'string' && schema.pattern === '^all$') return '`all`';
      return t;
    })
    .join(' or ');
}

function constraints(schema) {
  const out = [];
  if (schema.minimum !== undefined && schema.maximum !== undefined) out.push(`${schema.minimum}-${schema.maximum}`);
  else if (schema.minimum !== undefined) out.push(`>= ${schema.minimum}`);
  if (schema.maxLength !== undefined && schema.maxLength < 1000) out.push(`at most ${schema.maxLength} characters`);
  return out.length ? ` (${out.join(', ')})` : '';
}

function cell(text) {
  return String(text).replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function defaultOf(schema) {
  if (schema.default === undefined) return '';
  return `\`${stringify(schema.default, { collectionStyle: 'flow', flowCollectionPadding: true }).trim()}\``;
}

/** The backup method whose part of the schema (`definitions.<method>`) a property comes from, if any. */
function methodOfField(raw) {
  const methods = schemaFile('backup.schema.json').properties.spec.properties.method.enum;
  const match = /#\/definitions\/([^/]+)\/properties\/[^/]+$/.exec(raw.$ref ?? '');
  return match && methods.includes(match[1]) ? match[1] : null;
}

/** Rows for every property, depth first; nested mappings get their own rows (spec.scheduler.type). */
function rows(schema, file, prefix, required = []) {
  const out = [];
  for (const [name, raw] of Object.entries(schema.properties ?? {})) {
    const { schema: property, file: propertyFile } = resolve(raw, file);
    const path = `${prefix}${name}`;
    const method = methodOfField(raw);
    const description = `${method ? `Method \`${method}\`. ` : ''}${property.description ?? ''}`;
    out.push(
      `| \`${path}\` | ${cell(typeOf(property) + constraints(property))} | ${required.includes(name) ? 'yes' : ''} | ${cell(defaultOf(property))} | ${cell(description)} |`,
    );
    const isNested = property.properties && (property.type === 'object' || (Array.isArray(property.type) && property.type.includes('object')));
    if (isNested && name !== 'metadata') out.push(...rows(property, propertyFile, `${path}.`, property.required ?? []));
  }
  return out;
}

const TABLE_HEAD = ['| Field | Type | Required | Default | Description |', '|---|---|---|---|---|'];

function kindSection(kind, file) {
  const schema = schemaFile(file);
  const spec = resolve(schema.properties.spec, file);
  const lines = [`## ${kind}`, '', schema.description, ''];
  lines.push(...TABLE_HEAD, ...rows(spec.schema, spec.file, 'spec.', spec.schema.required ?? []), '');
  if (schema.examples?.[0]) {
    // Quote schedules in the example as the reader should: a plain value starting with * is a YAML alias.
    const example = stringify(schema.examples[0]).trimEnd().replace(/^(\s*schedule): (.+)$/m, '$1: "$2"');
    lines.push('Example:', '', '```yaml', example, '```', '');
  }
  return lines.join('\n');
}

function metadataSection() {
  const { schema } = resolve({ $ref: `${COMBINED}#/definitions/metadata` }, COMBINED);
  return [
    '## Fields common to every kind',
    '',
    ...TABLE_HEAD,
    '| `apiVersion` | `pgbackops/v1` | yes |  | Version of the configuration format. |',
    `| \`kind\` | ${cell('`BackupServer` | `Node` | `Retention` | `Backup` | `Snapshot` | `Restore` | `ObjectStore`')} | yes |  | Kind of object. |`,
    ...rows(schema, COMBINED, 'metadata.', schema.required ?? []),
    '| `spec` | mapping | yes |  | The object itself: see each kind below. |',
    '',
  ].join('\n');
}

const INTRO = `# Configuration reference

<!-- Generated by scripts/gen-config-docs.mjs from schemas/*.schema.json: edit those, then run
     node scripts/gen-config-docs.mjs -->

pgbackops reads every \`*.yaml\` and \`*.yml\` file under the configuration directory, recursively (dot-files
and dot-directories such as \`.git\` are skipped; symlinks are followed). A file holds any number of YAML
documents separated by \`---\`; how they are spread over files and directories does not matter. Each document
is one object:

\`\`\`yaml
# yaml-language-server: $schema=../schemas/pgbackops.schema.json
apiVersion: pgbackops/v1
kind: Backup              # BackupServer | Node | Retention | Backup | Snapshot | Restore | ObjectStore
metadata:
  name: orders-nightly    # the object's identity, unique per kind
spec:
  ...
\`\`\`

## Editors

Editors that use the YAML language server (VS Code's YAML extension, Neovim, Helix, ...) give completion,
descriptions and checks from \`schemas/pgbackops.schema.json\`. Map the schema to the configuration files
with the \`yaml.schemas\` setting, a glob per schema: the \`# yaml-language-server: $schema=...\` comment above
applies only to the first document of a file, and a file of several documents (separated by \`---\`) would be
checked in its first document only. In VS Code's \`settings.json\` (paths relative to the workspace):

\`\`\`json
{
  "yaml.schemas": {
    "./schemas/pgbackops.schema.json": ["backups/**/*.yaml", "backups/**/*.yml"]
  }
}
\`\`\`

Neovim (nvim-lspconfig): \`settings = { yaml = { schemas = { ["/path/to/pgbackops.schema.json"] = "backups/**/*.yaml" } } }\`.
The per-kind schemas refer to each other by relative file name, so keep \`schemas/\` together, or use
\`pgbackops schema --bundle > pgbackops.bundle.json\`: one self-contained schema with an \`$id\`
(\`urn:pgbackops:schema:config:<version>\`) and no reference to another file, for a tool that takes one file
or URL (a schema store, a CI validator). \`pgbackops schema [KIND]\` prints the schema of one kind. The schemas
pass Ajv's strict mode; their one keyword of their own, \`patternErrorMessage\` (a message VS Code shows for a
pattern), is to be declared to a strict validator (\`ajv.addKeyword('patternErrorMessage')\`).

## Validation

\`pgbackops validate\` reports every problem at once, each with \`file:line:column\`, a stable code and the
path of the field; the codes are explained in [errors.md](errors.md). Nothing is ever changed from a
configuration with an error. Files are limited to 4 MiB, must be UTF-8 text, and may not contain a NUL byte;
no string or key may contain a NUL character (a \`"\\0"\` escape) or half a surrogate pair (a lone \`"\\uD800"\`)
either, since PostgreSQL cannot store them.
`;

const RULES = `## Names

\`metadata.name\` (and every reference to a name) must match \`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$\`: lowercase
letters, digits and hyphens, 1 to 63 characters, starting and ending with a letter or digit. Names become
directory names under \`backupRoot\`, arguments in cron lines and catalog keys, so slashes, dots, \`..\`,
spaces and shell characters are refused. Renaming an object deletes it and creates a new one.

## Schedules

\`spec.schedule\` of a Backup is a cron expression of five fields: minute (0-59), hour (0-23), day of month
(1-31), month (1-12 or \`jan\`-\`dec\`), day of week (0-7, 0 and 7 are Sunday, or \`sun\`-\`sat\`). Each field is
\`*\`, a value, a range \`a-b\`, a step \`*/n\` or \`a-b/n\`, or a comma-separated list of these. When both day
of month and day of week are restricted, cron runs the job when either matches.

Macros: \`@hourly\` (\`0 * * * *\`), \`@daily\` and \`@midnight\` (\`0 0 * * *\`), \`@weekly\` (\`0 0 * * 0\`),
\`@monthly\` (\`0 0 1 * *\`), \`@yearly\` and \`@annually\` (\`0 0 1 1 *\`). They are stored as those five fields.

Refused, because Debian's cron (used by the cron.d and crontab schedulers) does not read them: seconds (six
fields), Quartz syntax (\`?\`, \`L\`, \`W\`, \`#\`), a step on a single value (\`5/10\`: write \`5-59/10\`), reversed
ranges, \`@reboot\`, and dates that never occur (\`0 0 30 2 *\`).

Quote expressions that start with \`*\`: in YAML, \`*...\` is an alias. Write \`schedule: "*/15 * * * *"\`.

### H: spreading jobs

Thousands of definitions scheduled at \`0 2 * * *\` would all start at 02:00. Write \`H\` instead of a value and
pgbackops picks one from the definition's name:

| In a field | Becomes |
|---|---|
| \`H\` | one value in the field's range: minute 0-59, hour 0-23, day of month 1-28 (so that every month has it), month 1-12, day of week 0-6 |
| \`H(a-b)\` | one value in \`a\`-\`b\` |
| \`H/n\` | \`s-max/n\`, every \`n\` from a start \`s\` in \`[min, min+n)\` (for day of week, max is 6) |
| \`H(a-b)/n\` | \`s-b/n\` with \`s\` in \`[a, a+n)\` |

The value is \`v = min + (u mod (max - min + 1))\`, where \`u\` is the first four bytes (big-endian) of
\`sha256(name + ":" + fieldIndex)\` and \`fieldIndex\` is 0 for the minute up to 4 for the day of week. So the
result is the same on every run and every machine, changes only if the name changes, and different names
spread over the range. \`H H(0-5) * * *\` means "once a day, some time between 00:00 and 05:59". The resolved
expression is shown by \`pgbackops plan\` and is what cron reads.

## Time zones

Schedules are read in \`spec.timezone\` of the Backup, which defaults to \`spec.timezone\` of its backup server
(default \`UTC\`); names are IANA time zones (\`Europe/Paris\`). Debian's cron has no \`CRON_TZ\`: with the
\`cron.d\` and \`crontab\` schedulers every line runs in the server's local time, which must be the server's
\`timezone\`, and a Backup may not use another one. Use \`scheduler: { type: builtin }\` for per-definition time
zones.

## Durations

\`keepWithin\`, \`keepFailedFor\` and \`timeout\` are durations: whole numbers with a unit, \`m\` (minutes), \`h\`,
\`d\`, \`w\`, \`mo\` (months), \`y\`, several written largest unit first: \`30m\`, \`36h\`, \`7d\`, \`2w\`, \`6mo\`, \`1y\`,
\`1d12h\`. Months and years are calendar months and years.

## Paths

Paths for libpq (\`passfile\`, \`sslcert\`, \`sslkey\`, \`sslrootcert\`) and \`pgBinDirs\` must be absolute.
\`backupRoot\` and \`scheduler.file\` may be relative, to the pgbackops state directory (handy for a first try
that touches nothing outside it). No path may contain a \`..\` segment or a line break, or start with
\`~\`. No path may name the file system root, however it is spelt (\`/\`, \`//\`, \`/.\`, \`/./\`: paths are
normalised before they are checked), nor the state directory itself (\`.\`, \`./\`).

## Secrets

No password may be written in the configuration: it is kept in git and appears in plans and logs. A field
whose name contains \`password\`, \`passwd\`, \`secret\` or \`token\`, a libpq string with \`password=\`, or a URI
with \`user:password@\` is an error. Give passwords to libpq instead: a password file (\`passfile\`, pgpass
format, mode 0600), a service (\`service\`, pg_service.conf) or client certificates (\`sslcert\`, \`sslkey\`).

## extraArgs

\`extraArgs\` are passed to pg_dump (pg_dumpall for \`type: cluster\`) as separate arguments, never through a
shell. One option per item, with its value attached: \`--exclude-table-data=audit.*\`, \`-naudit\`. Refused:
options that set the connection (\`-h/--host\`, \`-p/--port\`, \`-U/--username\`, \`-d/--dbname\`, \`-W/--password\`),
the output (\`-f/--file\`, \`-F/--format\`), options with their own field (\`-j/--jobs\`, \`-Z/--compress\`),
\`--help\`/\`--version\`, options that would make a restore drop or connect to objects it did not create
(\`-c/--clean\`, and pg_dump's \`-C/--create\`: a restore never overwrites), in every spelling (\`--file=x\`, \`-fx\`, \`-vf\`, abbreviations such as \`--user\`); items that
are not options (they would be read as a database name), \`--\`, and anything with a NUL or a line break.
`;

function generate() {
  return [INTRO, metadataSection(), ...KINDS.map(([kind, file]) => kindSection(kind, file)), RULES].join('\n');
}

const text = generate();
if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(output, 'utf8');
  } catch {
    // missing counts as out of date
  }
  if (current !== text) {
    console.error('docs/configuration.md is out of date: run node scripts/gen-config-docs.mjs');
    process.exit(1);
  }
} else {
  writeFileSync(output, text);
  console.log('wrote docs/configuration.md');
}
