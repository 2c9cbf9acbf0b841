// JSON output as a contract (docs/cli.md, "JSON output"): every `--json` document of the real commands,
// run over a real catalog with real backups, restores and verifications, and the daemon's /status, is
// validated against its schema in schemas/output/ with Ajv in strict mode; every document carries
// format_version and pgbackops_version, uses snake_case keys, and a failing command under --json prints an
// error object on stdout and exits 1.
import { readdirSync, readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliResult, applyConverged, pgbackops } from '../../helpers/cli.js';
import { backupSpecDoc, jobUserDir, writeConfig } from '../../helpers/config.js';
import type { TestCluster } from '../../helpers/pg-cluster.js';
import { startDaemon, waitFor, WAIT } from '../daemon/daemon-process.js';
import { undeclaredFields, type SchemaSet } from '../../helpers/undeclared-fields.js';
import { catalogUrl, configDir, openTwoNodeWorkspace, stateDir, work } from '../../helpers/workspace.js';

const OUTPUT_SCHEMAS = fileURLToPath(new URL('../../../schemas/output/', import.meta.url));
const CRONTAB = fileURLToPath(new URL('../../fixtures/crontab/backups.cron', import.meta.url));

let source: TestCluster;
let target: TestCluster;
let catalog: TestCluster;
/** Every document a command printed, by the schema it must satisfy. */
const documents: Array<{ schema: string; what: string; value: unknown }> = [];

function cli(...args: string[]): Promise<CliResult> {
  return pgbackops([...args, '-c', configDir, '--state-dir', stateDir, '--catalog', catalogUrl], { PGBACKOPS_ACTOR: 'ops@test' });
}

/** Runs a command with --json, expects `exitCode`, records its document for `schema` and returns it. */
async function jsonOf(schema: string, args: string[], exitCode = 0): Promise<Record<string, any>> {
  const r = await cli(...args, '--json');
  expect(r.exitCode, `${args.join(' ')}: ${r.stderr}${r.stdout}`).toBe(exitCode);
  const value = JSON.parse(r.stdout) as Record<string, any>;
  documents.push({ schema, what: args.join(' '), value });
  if (process.env.PGBACKOPS_JSON_DUMP) {
    mkdirSync(process.env.PGBACKOPS_JSON_DUMP, { recursive: true });
    writeFileSync(join(process.env.PGBACKOPS_JSON_DUMP, `${documents.length}-${schema}.json`), r.stdout);
  }
  return value;
}


let appBackup: string;

beforeAll(async () => {
  ({ source, target, catalog } = await openTwoNodeWorkspace('json-contract', { database: 'app', rows: 200 }, [
    ['app-daily', 'databases: [app]\nformat: custom'],
    ['whole', 'type: cluster'],
    ['never', 'databases: [app]\nenabled: true'],
  ]));
  await applyConverged(cli);
  const run = await jsonOf('run', ['run', 'app-daily']);
  appBackup = run.runs[0].id as string;
  await jsonOf('run', ['backup', 'now', 'whole']);
});

afterAll(async () => {
  await Promise.all([source?.stop(), target?.stop(), catalog?.stop()]);
});

/**
 * Ajv in strict mode (unknown keywords, ignored keywords, `required` naming undefined properties... are
 * errors); union types are allowed explicitly (`"type": ["string", "null"]`, standard JSON Schema).
 */
function outputSchemas(): Record<string, ValidateFunction> {
  const ajv = new Ajv({ strict: true, allowUnionTypes: true, allErrors: true });
  const files = readdirSync(OUTPUT_SCHEMAS).filter((f) => f.endsWith('.schema.json'));
  for (const file of files) ajv.addSchema(JSON.parse(readFileSync(join(OUTPUT_SCHEMAS, file), 'utf8')) as object, file);
  return Object.fromEntries(files.filter((f) => f !== 'common.schema.json').map((f) => [f.replace('.schema.json', ''), ajv.getSchema(f)!]));
}

/** The output schemas as JSON, for the walk that reports fields they do not declare (they accept them). */
function outputSchemaSet(): SchemaSet {
  const files = readdirSync(OUTPUT_SCHEMAS).filter((f) => f.endsWith('.schema.json'));
  return { files: Object.fromEntries(files.map((f) => [f, JSON.parse(readFileSync(join(OUTPUT_SCHEMAS, f), 'utf8')) as Record<string, unknown>])) };
}

/**
 * Keys that are not snake_case field names: the paths where docs/cli.md says keys are data (kind names) or
 * the configuration as written (specs, retention rules).
 */
const DATA_KEYS = [/^plan\.object_actions\.\d+\.(before|after)\./, /^runs\.\d+\.retention\./, /^objects\./, /^counts\./];

function nonSnakeCaseKeys(value: unknown, path = ''): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => nonSnakeCaseKeys(v, `${path}${i}.`));
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, v]) => {
    const at = `${path}${key}`;
    if (DATA_KEYS.some((re) => re.test(`${at}.`))) return [];
    return [...(/^[a-z][a-z0-9_]*$/.test(key) ? [] : [at]), ...nonSnakeCaseKeys(v, `${at}.`)];
  });
}

describe('the JSON contract', () => {
  it('every command prints a document its schema accepts (Ajv strict), in snake_case, over real runs', async () => {
    await jsonOf('validate', ['validate']);
    await jsonOf('plan', ['plan']);
    await jsonOf('apply', ['apply', '--yes']);
    await jsonOf('backups', ['backups']);
    await jsonOf('show', ['show', appBackup]);
    await jsonOf('status', ['status']);
    await jsonOf('history', ['history']);
    await jsonOf('verify', ['verify', appBackup, '--restore', '--to-node', 'pg2']);
    await jsonOf('restore', ['restore', appBackup, '--to-node', 'pg2', '--dry-run']);
    await jsonOf('restore', ['restore', appBackup, '--to-node', 'pg2', '--yes']);
    // WARNING (exit 1): the definition `never` was due and has never run.
    await jsonOf('check-status', ['check-status'], 1);
    await jsonOf('catalog-status', ['catalog', 'status']);
    await jsonOf('catalog-migrate', ['catalog', 'migrate']);
    await jsonOf('maintain', ['maintain', '--dry-run']);
    await jsonOf('prune', ['prune', '--dry-run', '--verbose-decisions']);
    await jsonOf('import', ['import', 'crontab', '--file', CRONTAB, '--out', join(work, 'imported'), '--host', 'backup01.example.org', '--timezone', 'UTC', '--dry-run']);

    const schemas = outputSchemas();
    const set = outputSchemaSet();
    const names = Object.keys(schemas);
    for (const { schema, what, value } of documents) {
      const validate = schemas[schema];
      expect(validate, `a schema for ${schema}`).toBeDefined();
      expect(validate!(value), `${what}: ${JSON.stringify(validate!.errors, null, 2)}`).toBe(true);
      expect(nonSnakeCaseKeys(value), what).toEqual([]);
      expect(Object.keys(value as object).slice(0, 2), what).toEqual(['format_version', 'pgbackops_version']);
    }
    // The schemas accept additive fields; every field printed today is declared all the same.
    const undeclared = [...new Set(documents.flatMap(({ schema, value }) => undeclaredFields(set, `${schema}.schema.json`, value).map((p) => `${schema}: ${p.replace(/\.\d+\./g, '.N.')}`)))];
    expect(undeclared, 'fields their schema does not declare').toEqual([]);
    // Every schema was exercised, but those of the daemon and the error object (below).
    expect(names.filter((n) => !documents.some((d) => d.schema === n)).sort()).toEqual(['daemon-status', 'error']);
  });

  it('states are identifiers: never_run, not "Never run"', async () => {
    const status = await jsonOf('status', ['status']);
    const states = Object.fromEntries((status.definitions as Array<{ name: string; state: string }>).map((d) => [d.name, d.state]));
    expect(states).toEqual({ 'app-daily': 'healthy', whole: 'healthy', never: 'never_run' });
    const check = await jsonOf('check-status', ['check-status'], 1);
    expect(check.definitions.find((d: { name: string }) => d.name === 'never').health).toBe('never_run');
  });

  it('a failure under --json prints the error object on stdout and exits 1', async () => {
    const schemas = outputSchemas();
    const failures: Array<[string, string[], string]> = [
      ['an unknown backup', ['show', 'ffffffff'], 'E_BACKUP_NOT_FOUND'],
      ['a bad flag value', ['backups', '--limit', '0'], 'E_USAGE'],
      ['an unknown option', ['backups', '--frobnicate'], 'E_USAGE'],
      ['restore without --yes', ['restore', appBackup, '--to-node', 'pg2'], 'E_USAGE'],
      ['an unknown definition', ['run', 'nosuch'], 'E_DEFINITION_UNKNOWN'],
    ];
    for (const [what, args, code] of failures) {
      const value = await jsonOf('error', args, 1);
      expect(value.error.code, what).toBe(code);
      expect(undeclaredFields(outputSchemaSet(), 'error.schema.json', value), what).toEqual([]);
      expect(value.error.message, what).not.toBe('');
      expect(schemas.error!(value), `${what}: ${JSON.stringify(schemas.error!.errors)}`).toBe(true);
    }
    // The catalog unreachable: the error of the component, with its code.
    const offline = await pgbackops(['backups', '--json', '-c', configDir, '--state-dir', stateDir, '--catalog', 'postgresql://nobody@127.0.0.1:9/none']);
    expect(offline.exitCode).toBe(1);
    expect(JSON.parse(offline.stdout)).toMatchObject({ format_version: '1', error: { code: 'E_CATALOG_UNAVAILABLE' } });
  });

  it('an invalid configuration under --json: one error object with every diagnostic', async () => {
    const broken = join(work, 'broken');
    writeConfig(broken, { 'a.yaml': 'apiVersion: pgbackops/v1\nkind: Backup\nmetadata: { name: Bad_Name }\nspec: {}\n' });
    const r = await pgbackops(['plan', '--json', '-c', broken, '--state-dir', stateDir, '--catalog', catalogUrl]);
    expect(r.exitCode).toBe(1);
    const value = JSON.parse(r.stdout) as Record<string, any>;
    expect(outputSchemas().error!(value)).toBe(true);
    expect(value.error.code).toBe('E_CONFIG_INVALID');
    expect(value.error.diagnostics.map((d: { code: string }) => d.code)).toContain('E_NAME_INVALID');
  });

  it("the daemon's /status and `status --daemon --json` follow the contract", async () => {
    const daemon = await startDaemon(['-c', configDir, '--state-dir', stateDir, '--catalog', catalogUrl, '--server', 'backup01']);
    try {
      const status = await waitFor(async () => {
        const s = await daemon.status();
        return s.last_full_pass ? s : null;
      }, WAIT, () => 'the daemon\'s first pass');
      const schemas = outputSchemas();
      expect(schemas['daemon-status']!(status), JSON.stringify(schemas['daemon-status']!.errors, null, 2)).toBe(true);
      expect(undeclaredFields(outputSchemaSet(), 'daemon-status.schema.json', status), 'GET /status: fields its schema does not declare').toEqual([]);
      expect(nonSnakeCaseKeys(status)).toEqual([]);
      expect(status.summary).toMatchObject({ healthy: 2, never_run: 1 });
      const viaCli = await jsonOf('daemon-status', ['status', '--daemon', daemon.url]);
      expect(schemas['daemon-status']!(viaCli), JSON.stringify(schemas['daemon-status']!.errors, null, 2)).toBe(true);
      expect(viaCli.daemon).toBe(daemon.url);
    } finally {
      await daemon.stop();
    }
  });
});

// Last in the file: it adds a physical definition, which the tests above count the definitions without.
describe('the JSON contract of a directory restore', () => {
  it('restore --to-dir of a base backup, dry run and real: plan, record and result as restore.schema.json declares', async () => {
    // A base backup restored to its own end needs no WAL archive: pg_basebackup streams the WAL it needs.
    writeFileSync(join(configDir, 'physical.yaml'), backupSpecDoc('phys', 'method: basebackup\ncheckpoint: fast\ncompression: { method: gzip, level: 1 }'));
    await applyConverged(cli);
    const backup = (await jsonOf('run', ['run', 'phys'])).runs[0].id as string;
    const postgres = statSync(source.dataDir);
    const dir = join(jobUserDir(join(work, 'restores'), postgres.uid, postgres.gid), 'phys');
    const dryRun = await jsonOf('restore', ['restore', backup, '--to-dir', dir, '--dry-run']);
    const restored = await jsonOf('restore', ['restore', backup, '--to-dir', dir, '--yes']);
    expect(restored.restore).toMatchObject({ status: 'succeeded', method: 'basebackup', target_dir: dir, recovery_target: 'end' });
    const validate = outputSchemas().restore!;
    for (const [what, value] of [['--dry-run', dryRun], ['--yes', restored]] as const) {
      expect(value.plan.refusals, what).toEqual([]);
      expect(validate(value), `${what}: ${JSON.stringify(validate.errors, null, 2)}`).toBe(true);
      expect(undeclaredFields(outputSchemaSet(), 'restore.schema.json', value), `${what}: fields its schema does not declare`).toEqual([]);
      expect(nonSnakeCaseKeys(value), what).toEqual([]);
    }
  }, 120_000);
});
