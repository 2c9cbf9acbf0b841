// Hostile configuration input through the built CLI, against a real throwaway catalog: `validate` and
// `apply` both refuse it with file:line:column and a stable code, exit 1, nothing reaches the catalog, and
// nothing but the diagnostics reaches stderr (no Node.js warning, no "Maximum call stack size exceeded").
// Each case is the same small valid configuration with one defect put in; the last test applies that
// configuration as is, so the refusals are the defects' doing.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { applyConverged, pgbackops } from '../../helpers/cli.js';
import { backupDoc, basicConfig, tempDir } from '../../helpers/config.js';
import { startTestCluster, type TestCluster } from '../../helpers/pg-cluster.js';

let cluster: TestCluster;
let configDir: string;
let cronFile: string;
let stateDir: string;
let catalogConfig: pg.ClientConfig;

async function cli(...args: string[]) {
  return pgbackops([...args, '-c', configDir, '--state-dir', stateDir, '--catalog', cluster.urlFor(catalogConfig)]);
}

/** Objects in the catalog (0 when apply never got as far as creating the schema). */
async function catalogObjects(): Promise<number> {
  const client = new pg.Client(catalogConfig);
  await client.connect();
  try {
    const schema = await client.query<{ present: boolean }>(`select to_regclass('pgbackops.nodes') is not null as present`);
    if (!schema.rows[0]!.present) return 0;
    const { rows } = await client.query<{ n: number }>(
      `select ((select count(*) from pgbackops.backup_servers) + (select count(*) from pgbackops.nodes)
         + (select count(*) from pgbackops.retentions) + (select count(*) from pgbackops.definitions))::int as n`,
    );
    return rows[0]!.n;
  } finally {
    await client.end();
  }
}

/** The configuration every case starts from: valid, and applied as is by the last test. */
function baseConfig(): Record<string, string | Buffer> {
  return basicConfig(cronFile, [{ name: 'nightly' }]);
}

const RETENTION_HEAD = 'apiVersion: pgbackops/v1\nkind: Retention\nmetadata: { name: deep }\nspec:\n  keepLast: 3\n';
const NBSP = '\u00A0';

interface Case {
  /** Files to add to (or replace in) the base configuration. */
  files: Record<string, string | Buffer>;
  /** Files of the base configuration to leave out. */
  without?: string[];
  /** `file:line:column: error CODE` of every diagnostic, in order. */
  expected: string[];
  /** Text the diagnostics must show. */
  shows?: string[];
}

const CASES: Record<string, Case> = {
  // Item 15: NBSP is not indentation in YAML; the fast reader used to read spec.host, spec.port...
  'NBSP-indented spec fields (fast reader)': {
    files: {
      'nodes/pg1.yaml': `apiVersion: pgbackops/v1\nkind: Node\nmetadata: { name: pg1 }\nspec:\n${NBSP}host: pg1.example.org\n${NBSP}backupServer: backup01\n`,
    },
    expected: [
      'nodes/pg1.yaml:4:1: error E_SCHEMA_TYPE',
      'nodes/pg1.yaml:5:1: error E_SCHEMA_UNKNOWN_FIELD',
      'nodes/pg1.yaml:6:1: error E_SCHEMA_UNKNOWN_FIELD',
    ],
    shows: ['unknown field "\\u00a0host"'],
  },
  // Item 16: PostgreSQL cannot store U+0000 (apply failed with 22P05, no position).
  'NUL spelt in a double-quoted string': {
    files: { 'backups.yaml': backupDoc({ name: 'nightly' }) + '  remarks: "nightly\\0 run"\n' },
    expected: ['backups.yaml:10:12: error E_NUL_CHARACTER'],
  },
  // Item 17: "//" is the root as "/" is.
  'backupRoot spelt "//"': {
    files: {
      'servers.yaml': `apiVersion: pgbackops/v1\nkind: BackupServer\nmetadata: { name: backup01 }\nspec:\n  host: backup01.example.org\n  backupRoot: //\n  scheduler: { type: cron.d, file: CRON, user: postgres }\n`,
    },
    expected: ['servers.yaml:6:15: error E_PATH_INVALID'],
  },
  // Item 18: an empty configuration names its files.
  'only empty files': {
    files: { 'empty.yaml': '# nothing yet\n', 'notes.yml': '' },
    without: ['servers.yaml', 'nodes/pg1.yaml', 'retention.yaml', 'backups.yaml'],
    expected: ['empty.yaml:1:1: error E_CONFIG_EMPTY', 'notes.yml:1:1: error E_CONFIG_EMPTY'],
  },
  'flow collections nested 5,000 deep (beyond what the parser can compose)': {
    files: { 'deep.yaml': RETENTION_HEAD + `  x: ${'['.repeat(5000)}${']'.repeat(5000)}\n` },
    expected: [expect.stringMatching(/^deep\.yaml:6:\d+: error E_YAML_TOO_DEEP$/) as unknown as string],
  },
  'block mappings nested 100 deep': {
    files: { 'deep.yaml': RETENTION_HEAD + Array.from({ length: 100 }, (_, i) => `${' '.repeat(2 + i)}k${i}:\n`).join('') },
    expected: ['deep.yaml:69:66: error E_YAML_TOO_DEEP'],
  },
  'a list as a mapping key': {
    files: { 'deep.yaml': RETENTION_HEAD + '  ? [a, b]\n  : 1\n' },
    expected: ['deep.yaml:6:5: error E_YAML_KEY_NOT_STRING'],
  },
  'UTF-16LE with a byte order mark': {
    files: { 'deep.yaml': Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(RETENTION_HEAD, 'utf16le')]) },
    expected: ['deep.yaml:1:1: error E_FILE_ENCODING'],
  },
  'UTF-16BE without a byte order mark': {
    files: { 'deep.yaml': Buffer.from(RETENTION_HEAD, 'utf16le').swap16() },
    expected: ['deep.yaml:1:1: error E_FILE_ENCODING'],
  },
};

beforeAll(async () => {
  cluster = await startTestCluster();
});
afterAll(async () => {
  await cluster?.stop();
});

beforeEach(async () => {
  const work = tempDir('bad-input');
  configDir = join(work, 'config');
  cronFile = join(work, 'cron', 'pgbackops');
  stateDir = join(work, 'state');
  catalogConfig = await cluster.createDatabase();
});

function writeCase(c: Case): void {
  const files: Record<string, string | Buffer> = { ...baseConfig(), ...c.files };
  for (const name of c.without ?? []) delete files[name];
  rmSync(configDir, { recursive: true, force: true });
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(configDir, name)), { recursive: true });
    writeFileSync(join(configDir, name), typeof content === 'string' ? content.replace('CRON', cronFile) : content);
  }
}

/** `file:line:column: error CODE` of each diagnostic line, and what else stderr holds. */
function diagnosticsOf(stderr: string): { found: string[]; other: string[] } {
  const lines = stderr.split('\n').filter((l) => l !== '');
  const found: string[] = [];
  const other: string[] = [];
  for (const line of lines) {
    const m = /^(\S+:\d+:\d+: error E_[A-Z_]+)(?=: )/.exec(line);
    if (m) found.push(m[1]!);
    else if (!/^\d+ error\(s\), \d+ warning\(s\)$|^pgbackops: the configuration is invalid; nothing was changed$/.test(line)) other.push(line);
  }
  return { found, other };
}

describe('bad configuration input through the CLI', () => {
  it.each(Object.entries(CASES))('%s: refused by validate and apply, with positions, nothing applied', async (_name, c) => {
    writeCase(c);
    for (const command of [['validate'], ['apply', '--yes']]) {
      const result = await cli(...command);
      const { found, other } = diagnosticsOf(result.stderr);
      expect(found, `${command[0]}:\n${result.stderr}`).toEqual(c.expected);
      expect(other, `${command[0]} wrote something else to stderr`).toEqual([]);
      expect(result.stderr).not.toMatch(/\(node:\d+\)|Warning|Maximum call stack|RangeError|TypeError/);
      for (const text of c.shows ?? []) expect(result.stderr).toContain(text);
      expect(result.exitCode).toBe(1);
    }
    expect(await catalogObjects()).toBe(0);
  });

  it('the base configuration itself is valid and applies', async () => {
    writeCase({ files: {}, expected: [] });
    expect((await cli('validate')).exitCode).toBe(0);
    await applyConverged(cli);
    expect(await catalogObjects()).toBe(4);
  });
});
