// The corpus of bad configurations: every case is a directory under test/fixtures/config/invalid (or is
// generated in a temp dir when it cannot be committed: a 4 MiB file, an empty directory, symlink loops),
// and the exact list of (code, file, line, column) it must produce.
import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { readConfigDir } from '../../../src/adapters/config-dir.js';
import { DIAGNOSTIC_CODES } from '../../../src/core/config/codes.js';
import { compareDiagnostics } from '../../../src/core/config/findings.js';
import { validateConfig } from '../../../src/core/config/validate.js';
import type { Diagnostic } from '../../../src/core/model.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/config/invalid/', import.meta.url));

type Expected = [code: string, file: string, line: number, column: number][];

const CASES: Record<string, Expected> = {
  'api-version-missing': [['E_API_VERSION', 'retention.yaml', 1, 1]],
  'api-version-wrong': [['E_API_VERSION', 'retention.yaml', 1, 13]],
  'binary-file': [['E_FILE_BINARY', 'logo.yaml', 3, 1]],
  'compression-level-out-of-range': [
    ['E_COMPRESSION_UNSUPPORTED', 'backups.yaml', 10, 39],
    ['E_COMPRESSION_UNSUPPORTED', 'backups.yaml', 21, 39],
  ],
  'compression-level-on-cluster': [['E_COMPRESSION_UNSUPPORTED', 'backup.yaml', 10, 38]],
  'cron-bad-hash-range': [['E_CRON_INVALID', 'backup.yaml', 8, 13]],
  'cron-bad-steps': [
    ['E_CRON_INVALID', 'backups.yaml', 8, 13],
    ['E_CRON_INVALID', 'backups.yaml', 18, 13],
  ],
  'cron-d-file-name-with-dot': [['E_SCHEDULER_FILE', 'server.yaml', 9, 11]],
  'cron-d-file-traversal-and-directory': [
    ['E_SCHEDULER_FILE', 'server.yaml', 9, 11],
    ['E_SCHEDULER_FILE', 'server.yaml', 19, 11],
  ],
  'cron-never-runs': [['E_CRON_INVALID', 'backup.yaml', 8, 13]],
  'cron-out-of-range': [['E_CRON_INVALID', 'backup.yaml', 8, 13]],
  'cron-quartz-forms': [
    ['E_CRON_INVALID', 'backups.yaml', 8, 13],
    ['E_CRON_INVALID', 'backups.yaml', 18, 13],
    ['E_CRON_INVALID', 'backups.yaml', 28, 13],
    ['E_CRON_INVALID', 'backups.yaml', 38, 13],
  ],
  'cron-reboot-macro': [['E_CRON_INVALID', 'backup.yaml', 8, 13]],
  'cron-six-fields': [['E_CRON_INVALID', 'backup.yaml', 8, 13]],
  'database-name-invalid': [
    ['E_DATABASE_NAME_INVALID', 'backup.yaml', 7, 23],
    ['E_DATABASE_NAME_INVALID', 'backup.yaml', 7, 27],
    ['W_EXCLUDE_IGNORED', 'backup.yaml', 10, 3],
  ],
  'databases-missing': [['E_SCHEMA_REQUIRED', 'backup.yaml', 5, 1]],
  'databases-string-not-all': [['E_SCHEMA_PATTERN', 'backup.yaml', 7, 14]],
  'document-not-a-mapping': [['E_SCHEMA_TYPE', 'list.yaml', 1, 1]],
  'duplicate-name-different-files': [['E_DUPLICATE_NAME', 'b.yaml', 4, 9]],
  'duplicate-name-same-file': [['E_DUPLICATE_NAME', 'retention.yaml', 11, 9]],
  'enum-invalid-type': [['E_SCHEMA_ENUM', 'backup.yaml', 10, 9]],
  'method-unknown': [
    ['E_METHOD_UNKNOWN', 'backup.yaml', 7, 11],
    ['E_METHOD_UNKNOWN', 'backup.yaml', 18, 11],
  ],
  'extra-args-cluster-clustered-short': [
    ['E_EXTRA_ARG_FORBIDDEN', 'backup.yaml', 10, 15],
    ['E_EXTRA_ARG_FORBIDDEN', 'backup.yaml', 10, 20],
  ],
  'extra-args-forbidden': [
    ['E_EXTRA_ARG_FORBIDDEN', 'backup.yaml', 12, 7],
    ['E_EXTRA_ARG_FORBIDDEN', 'backup.yaml', 13, 7],
    ['E_EXTRA_ARG_FORBIDDEN', 'backup.yaml', 14, 7],
    ['E_EXTRA_ARG_FORBIDDEN', 'backup.yaml', 15, 7],
    ['E_EXTRA_ARG_FORBIDDEN', 'backup.yaml', 16, 7],
    ['E_EXTRA_ARG_FORBIDDEN', 'backup.yaml', 17, 7],
    ['E_EXTRA_ARG_FORBIDDEN', 'backup.yaml', 18, 7],
    ['E_EXTRA_ARG_FORBIDDEN', 'backup.yaml', 19, 7],
    ['E_EXTRA_ARG_FORBIDDEN', 'backup.yaml', 20, 7],
    ['E_EXTRA_ARG_FORBIDDEN', 'backup.yaml', 21, 7],
    ['E_EXTRA_ARG_FORBIDDEN', 'backup.yaml', 22, 7],
    ['E_EXTRA_ARG_FORBIDDEN', 'backup.yaml', 23, 7],
    ['E_EXTRA_ARG_FORBIDDEN', 'backup.yaml', 24, 7],
    ['E_EXTRA_ARG_FORBIDDEN', 'backup.yaml', 25, 7],
    ['E_EXTRA_ARG_FORBIDDEN', 'backup.yaml', 26, 7],
    ['E_EXTRA_ARG_FORBIDDEN', 'backup.yaml', 27, 7],
    ['E_EXTRA_ARG_FORBIDDEN', 'backup.yaml', 28, 7],
    ['E_EXTRA_ARG_FORBIDDEN', 'backup.yaml', 29, 7],
    ['E_EXTRA_ARG_FORBIDDEN', 'backup.yaml', 30, 7],
    ['E_EXTRA_ARG_FORBIDDEN', 'backup.yaml', 31, 7],
  ],
  'filters-on-cluster': [['E_FILTER_INVALID_FOR_TYPE', 'backup.yaml', 10, 3]],
  'format-invalid-for-type': [
    ['E_FORMAT_INVALID_FOR_TYPE', 'backups.yaml', 10, 11],
    ['E_FORMAT_INVALID_FOR_TYPE', 'backups.yaml', 21, 11],
    ['E_FORMAT_INVALID_FOR_TYPE', 'backups.yaml', 29, 14],
  ],
  'host-invalid': [
    ['E_HOST_INVALID', 'node.yaml', 6, 9],
    ['E_HOST_INVALID', 'node.yaml', 14, 9],
    ['E_HOST_INVALID', 'node.yaml', 22, 9],
    ['E_HOST_INVALID', 'server2.yaml', 6, 9],
  ],
  'invalid-utf8': [['E_FILE_ENCODING', 'latin1.yaml', 6, 13]],
  'jobs-without-directory': [['E_JOBS_NEEDS_DIRECTORY', 'backup.yaml', 10, 9]],
  'kind-unknown': [['E_KIND_UNKNOWN', 'retention.yaml', 2, 7]],
  'lz4-with-pg-dump-15': [['E_COMPRESSION_UNSUPPORTED', 'backup.yaml', 10, 26]],
  'missing-metadata-and-spec': [
    ['E_SCHEMA_REQUIRED', 'retention.yaml', 1, 1],
    ['E_SCHEMA_REQUIRED', 'retention.yaml', 1, 1],
  ],
  'missing-required-host': [['E_SCHEMA_REQUIRED', 'node.yaml', 6, 3]], // a semantic rule now (service: may give the host)
  'name-path-traversal': [['E_NAME_INVALID', 'retention.yaml', 4, 9]],
  'name-reference-invalid': [['E_NAME_INVALID', 'backup.yaml', 6, 9]],
  'name-shell-metacharacters': [
    ['E_NAME_INVALID', 'backups.yaml', 4, 9],
    ['E_NAME_INVALID', 'backups.yaml', 14, 9],
    ['E_NAME_INVALID', 'backups.yaml', 24, 9],
  ],
  'name-slash-and-dot': [
    ['E_NAME_INVALID', 'retention.yaml', 4, 9],
    ['E_NAME_INVALID', 'retention.yaml', 11, 9],
  ],
  'name-uppercase-underscore-space': [
    ['E_NAME_INVALID', 'retention.yaml', 4, 9],
    ['E_NAME_INVALID', 'retention.yaml', 11, 9],
  ],
  'only-comments-and-separators': [
    ['E_CONFIG_EMPTY', 'empty.yaml', 1, 1],
    ['E_CONFIG_EMPTY', 'notes.yml', 1, 1],
  ],
  'path-invalid': [
    ['E_PATH_INVALID', 'node.yaml', 7, 13],
    ['E_PATH_INVALID', 'node.yaml', 8, 12],
    ['E_PATH_INVALID', 'node.yaml', 9, 11],
    ['E_PATH_INVALID', 'server2.yaml', 7, 15],
  ],
  'path-root-spellings': [
    ['E_HOST_INVALID', 'node.yaml', 6, 9],
    ['E_PATH_INVALID', 'node.yaml', 7, 13],
    ['E_PATH_INVALID', 'servers.yaml', 8, 15],
    ['E_PATH_INVALID', 'servers.yaml', 10, 11],
    ['E_PATH_INVALID', 'servers.yaml', 18, 15],
    ['E_SCHEDULER_FILE', 'servers.yaml', 20, 11],
    ['E_PATH_INVALID', 'servers.yaml', 29, 15],
  ],
  'nul-in-strings': [
    ['E_NUL_CHARACTER', 'backup.yaml', 9, 13],
    ['E_NUL_CHARACTER', 'backup.yaml', 10, 31],
    ['E_NUL_CHARACTER', 'backup.yaml', 13, 12],
    ['E_UNPAIRED_SURROGATE', 'base.yaml', 9, 12],
    ['E_NUL_CHARACTER', 'base.yaml', 16, 5],
    ['E_NUL_CHARACTER', 'base.yaml', 20, 12],
  ],
  'one-off-jobs': [
    ['E_DUPLICATE_NAME', 'one-offs.yaml', 14, 9],
    ['E_TIME_INVALID', 'one-offs.yaml', 18, 7],
    ['E_DURATION_INVALID', 'one-offs.yaml', 19, 12],
    ['E_TIME_INVALID', 'one-offs.yaml', 28, 7],
    ['W_DEADLINE_WITHOUT_AT', 'one-offs.yaml', 38, 3],
    ['E_RESTORE_SOURCE', 'one-offs.yaml', 46, 9],
    ['E_REF_UNKNOWN_NODE', 'one-offs.yaml', 47, 11],
    ['E_RESTORE_SOURCE', 'one-offs.yaml', 54, 3],
    ['W_RESTORE_SOURCE_UNKNOWN', 'one-offs.yaml', 62, 21],
  ],
  'range-invalid-port-and-jobs': [
    ['E_SCHEMA_RANGE', 'backup.yaml', 11, 9],
    ['E_SCHEMA_RANGE', 'node2.yaml', 7, 9],
  ],
  // An off-site entry's store and retention, each at its own position; a store listed twice.
  'offsite-references': [
    ['E_REF_UNKNOWN_STORE', 'backup.yaml', 19, 16],
    ['E_REF_UNKNOWN_RETENTION', 'backup.yaml', 19, 34],
    ['E_OFFSITE_DUPLICATE', 'backup.yaml', 20, 14],
  ],
  'ref-unknown-node': [['E_REF_UNKNOWN_NODE', 'backup.yaml', 6, 9]],
  'ref-unknown-retention': [['E_REF_UNKNOWN_RETENTION', 'backup.yaml', 9, 14]],
  'ref-unknown-server': [['E_REF_UNKNOWN_SERVER', 'node.yaml', 12, 17]],
  'restore-physical-invalid': [
    ['E_RESTORE_DESTINATION', 'restores.yaml', 25, 1],
    ['E_RESTORE_DESTINATION', 'restores.yaml', 35, 3],
    ['E_RESTORE_RECOVERY_TARGET', 'restores.yaml', 44, 15],
    ['E_RESTORE_RECOVERY_TARGET', 'restores.yaml', 45, 3],
    ['E_RESTORE_DESTINATION', 'restores.yaml', 46, 3],
    ['E_RESTORE_START', 'restores.yaml', 47, 3],
    ['E_RESTORE_METHOD', 'restores.yaml', 55, 3],
    ['E_RESTORE_START', 'restores.yaml', 56, 3],
    ['E_RESTORE_METHOD', 'restores.yaml', 64, 3],
    ['E_RESTORE_DESTINATION', 'restores.yaml', 65, 3],
    ['E_SCHEMA_PATTERN', 'restores.yaml', 73, 10],
    // targetTimeline and tablespaceMap: the checks of --target-timeline and --tablespace-map, at the field.
    ['E_RESTORE_RECOVERY_TARGET', 'restores.yaml', 83, 19],
    ['E_RESTORE_TABLESPACE_MAP', 'restores.yaml', 85, 16],
    ['E_RESTORE_TABLESPACE_MAP', 'restores.yaml', 86, 5],
    ['E_RESTORE_TABLESPACE_MAP', 'restores.yaml', 88, 5],
    ['E_RESTORE_RECOVERY_TARGET', 'restores.yaml', 97, 19],
    ['E_RESTORE_METHOD', 'restores.yaml', 105, 3],
    ['E_RESTORE_DESTINATION', 'restores.yaml', 106, 3],
    ['E_RESTORE_DESTINATION', 'restores.yaml', 107, 3],
    // tablespaceMapAll: inside toDir, and relative (--tablespace-map-all's checks, at the field).
    ['E_RESTORE_TABLESPACE_MAP', 'restores.yaml', 116, 21],
    ['E_RESTORE_TABLESPACE_MAP', 'restores.yaml', 125, 21],
  ],
  'retention-bad-durations': [
    ['E_RETENTION_INVALID', 'retention.yaml', 6, 15],
    ['E_RETENTION_INVALID', 'retention.yaml', 7, 18],
    ['E_RETENTION_INVALID', 'retention.yaml', 15, 15],
    ['E_RETENTION_INVALID', 'retention.yaml', 22, 15],
  ],
  'retention-empty': [
    ['E_RETENTION_EMPTY', 'retention.yaml', 5, 1],
    ['E_RETENTION_EMPTY', 'retention.yaml', 12, 1],
  ],
  'retention-inline-empty': [['E_RETENTION_EMPTY', 'backup.yaml', 9, 3]],
  'scheduler-option-unused': [
    ['E_SCHEDULER_OPTION', 'server.yaml', 10, 5],
    ['E_SCHEDULER_OPTION', 'server.yaml', 11, 5],
  ],
  'secret-conninfo-password': [['E_SECRET_FIELD', 'node.yaml', 6, 17]],
  'secret-nested-token-key': [['E_SECRET_FIELD', 'backup.yaml', 11, 5]],
  'secret-password-field': [['E_SECRET_FIELD', 'node.yaml', 8, 3]],
  'secret-uri-userinfo': [['E_SECRET_FIELD', 'node.yaml', 6, 9]],
  'several-errors-several-files': [
    ['E_CRON_INVALID', 'backups/nightly.yaml', 8, 13],
    ['E_REF_UNKNOWN_RETENTION', 'backups/nightly.yaml', 9, 14],
    ['E_JOBS_NEEDS_DIRECTORY', 'backups/nightly.yaml', 10, 9],
    ['E_REF_UNKNOWN_RETENTION', 'backups/nightly.yaml', 20, 14],
    ['E_SCHEMA_TYPE', 'nodes.yaml', 7, 9],
    ['E_REF_UNKNOWN_SERVER', 'nodes.yaml', 16, 17],
    ['E_PATH_INVALID', 'servers.yaml', 7, 15],
    ['E_TIMEZONE_INVALID', 'servers.yaml', 8, 13],
  ],
  'store-invalid': [
    ['E_STORE_INVALID', 'store.yaml', 7, 11],
    ['E_PATH_INVALID', 'store.yaml', 8, 20],
    ['E_STORE_INVALID', 'store.yaml', 11, 5],
  ],
  'timeout-invalid': [['E_DURATION_INVALID', 'backup.yaml', 10, 12]],
  'timezone-invalid': [['E_TIMEZONE_INVALID', 'server.yaml', 8, 13]],
  'tz-mismatch-cron': [['E_TZ_CRON_MISMATCH', 'backups.yaml', 10, 13]],
  'tz-mismatch-crontab': [['E_TZ_CRON_MISMATCH', 'backup.yaml', 10, 13]],
  'unknown-field-deep': [['E_SCHEMA_UNKNOWN_FIELD', 'server.yaml', 10, 5]],
  'unknown-field-nested-typo': [
    ['E_SCHEMA_REQUIRED', 'backup.yaml', 5, 1],
    ['E_SCHEMA_UNKNOWN_FIELD', 'backup.yaml', 9, 3],
  ],
  'unknown-field-top-level': [['E_SCHEMA_UNKNOWN_FIELD', 'retention.yaml', 5, 1]],
  'wrong-type-enabled-string': [['E_SCHEMA_TYPE', 'backup.yaml', 10, 12]],
  'wrong-type-numeric-database-name': [['E_SCHEMA_TYPE', 'backup.yaml', 7, 23]],
  'wrong-type-quoted-port': [['E_SCHEMA_TYPE', 'nodes.yaml', 11, 9]],
  'yaml-alias-bomb': [['E_YAML_ALIASES', 'bomb.yaml', 7, 12]],
  'yaml-bad-indentation': [
    ['E_YAML_SYNTAX', 'backup.yaml', 6, 9],
    ['E_YAML_SYNTAX', 'backup.yaml', 6, 9],
  ],
  'yaml-duplicate-key': [['E_YAML_DUPLICATE_KEY', 'backup.yaml', 10, 3]],
  'yaml-tab-indentation': [['E_YAML_SYNTAX', 'backup.yaml', 4, 1]],
  'yaml-unclosed-quote': [['E_YAML_SYNTAX', 'backup.yaml', 10, 1]],
  'yaml-unquoted-cron-star': [['E_YAML_SYNTAX', 'backup.yaml', 8, 18]],
  'zstd-with-declared-pg-dump-14': [['E_COMPRESSION_UNSUPPORTED', 'backup.yaml', 11, 13]],
};

const RETENTION = 'apiVersion: pgbackops/v1\nkind: Retention\nmetadata: { name: standard }\nspec: { keepLast: 3 }\n';

/** Cases built in a temp directory: too big to commit, or made of symlinks. */
const GENERATED: Record<string, { make: (dir: string) => Promise<void>; expected: Expected }> = {
  'file-larger-than-4-mib': {
    make: async (dir) => {
      await writeFile(join(dir, 'retention.yaml'), RETENTION);
      await writeFile(join(dir, 'huge.yaml'), '# padding\n'.repeat(Math.ceil((4 * 1024 * 1024 + 1) / 10)));
    },
    expected: [['E_FILE_TOO_LARGE', 'huge.yaml', 1, 1]],
  },
  'empty-directory': {
    make: async () => {},
    expected: [['E_CONFIG_EMPTY', '.', 1, 1]],
  },
  'only-non-yaml-files': {
    make: async (dir) => {
      await writeFile(join(dir, 'README.md'), '# config\n');
      await writeFile(join(dir, 'retention.json'), '{}');
    },
    expected: [['E_CONFIG_EMPTY', '.', 1, 1]],
  },
  'directory-symlink-loop': {
    make: async (dir) => {
      await mkdir(join(dir, 'teams', 'payments'), { recursive: true });
      await writeFile(join(dir, 'teams', 'payments', 'retention.yaml'), RETENTION);
      await symlink('..', join(dir, 'teams', 'payments', 'up')); // -> teams: an ancestor
      await symlink('.', join(dir, 'self')); // -> the config dir itself
    },
    expected: [
      ['E_SYMLINK_LOOP', 'self', 1, 1],
      ['E_SYMLINK_LOOP', 'teams/payments/up', 1, 1],
    ],
  },
  'utf-16-and-utf-32-files': {
    make: async (dir) => {
      await writeFile(join(dir, 'retention.yaml'), RETENTION);
      const text = RETENTION.replace('standard', 'other');
      await writeFile(join(dir, 'le-bom.yaml'), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]));
      await writeFile(join(dir, 'be.yaml'), Buffer.from(text, 'utf16le').swap16());
      await writeFile(join(dir, 'utf32.yaml'), Buffer.from([...text].flatMap((c) => [c.charCodeAt(0), 0, 0, 0])));
    },
    expected: [
      ['E_FILE_ENCODING', 'be.yaml', 1, 1],
      ['E_FILE_ENCODING', 'le-bom.yaml', 1, 1],
      ['E_FILE_ENCODING', 'utf32.yaml', 1, 1],
    ],
  },
  'nested-too-deep': {
    make: async (dir) => {
      const head = 'apiVersion: pgbackops/v1\nkind: Retention\nmetadata: { name: NAME }\nspec:\n  keepLast: 3\n';
      // Deeper than the limit (the parser itself gives up further down, where its stack ends: the CLI test
      // has that case); exactly at the limit (fine: an unknown field).
      await writeFile(join(dir, 'flow.yaml'), head.replace('NAME', 'a') + `  x: ${'['.repeat(300)}${']'.repeat(300)}\n`);
      await writeFile(join(dir, 'block.yaml'), head.replace('NAME', 'b') + Array.from({ length: 70 }, (_, i) => `${' '.repeat(2 + i)}k${i}:\n`).join(''));
      await writeFile(join(dir, 'limit.yaml'), head.replace('NAME', 'c') + `  x: ${'['.repeat(62)}${']'.repeat(62)}\n`);
      // Anchors of 40 levels whose aliases nest them: 120 levels once expanded.
      await writeFile(join(dir, 'aliases.yaml'), head.replace('NAME', 'd') + `  x:\n    a: &a ${'['.repeat(40)}${']'.repeat(40)}\n    b: &b ${'['.repeat(40)}*a${']'.repeat(40)}\n    c: ${'['.repeat(40)}*b${']'.repeat(40)}\n`);
      // A deep document still declares its name: the Node's reference to it is not reported on top.
      await writeFile(join(dir, 'server.yaml'), `apiVersion: pgbackops/v1\nkind: BackupServer\nmetadata: { name: srv }\nspec:\n  host: srv\n  backupRoot: /srv\n  remarks: ${'['.repeat(70)}${']'.repeat(70)}\n`);
      await writeFile(join(dir, 'node.yaml'), 'apiVersion: pgbackops/v1\nkind: Node\nmetadata: { name: pg1 }\nspec: { host: pg1, backupServer: srv }\n');
    },
    expected: [
      ['E_YAML_TOO_DEEP', 'aliases.yaml', 7, 32],
      ['E_YAML_TOO_DEEP', 'block.yaml', 69, 66],
      ['E_YAML_TOO_DEEP', 'flow.yaml', 6, 68],
      ['E_SCHEMA_UNKNOWN_FIELD', 'limit.yaml', 6, 3],
      ['E_YAML_TOO_DEEP', 'server.yaml', 7, 74],
    ],
  },
  'keys-not-strings': {
    make: async (dir) => {
      await writeFile(
        join(dir, 'retention.yaml'),
        'apiVersion: pgbackops/v1\nkind: Retention\nmetadata: { name: standard, annotations: { a: &x y } }\nspec:\n  keepLast: 3\n' +
          '  ? [a, b]\n  : 1\n  ? { c: d }\n  : 2\n  *x : 3\n  !!int 15: 4\n',
      );
    },
    expected: [
      ['E_YAML_KEY_NOT_STRING', 'retention.yaml', 6, 5],
      ['E_YAML_KEY_NOT_STRING', 'retention.yaml', 8, 5],
      ['E_YAML_KEY_NOT_STRING', 'retention.yaml', 10, 3],
      ['E_YAML_KEY_NOT_STRING', 'retention.yaml', 11, 3],
    ],
  },
  'broken-and-self-referencing-file-symlinks': {
    make: async (dir) => {
      await writeFile(join(dir, 'retention.yaml'), RETENTION);
      await symlink('missing.yaml', join(dir, 'gone.yaml'));
      await symlink('ouroboros.yaml', join(dir, 'ouroboros.yaml'));
    },
    expected: [
      ['E_FILE_UNREADABLE', 'gone.yaml', 1, 1],
      ['E_FILE_UNREADABLE', 'ouroboros.yaml', 1, 1],
    ],
  },
};

async function load(dir: string): Promise<Diagnostic[]> {
  const read = await readConfigDir(dir);
  const validated = validateConfig(read.files);
  // A configuration with any error yields no config, whatever found the error.
  if (read.diagnostics.some((d) => d.severity === 'error')) return [...read.diagnostics, ...validated.diagnostics].sort(compareDiagnostics);
  expect(validated.config).toBeNull();
  return validated.diagnostics;
}

function summary(diagnostics: Diagnostic[]): Expected {
  return diagnostics.map((d) => [d.code, d.file, d.line, d.column]);
}

/** What every diagnostic must satisfy, whatever the case. */
function checkShape(diagnostics: Diagnostic[]): void {
  expect(diagnostics.some((d) => d.severity === 'error')).toBe(true);
  for (const d of diagnostics) {
    expect(Object.keys(DIAGNOSTIC_CODES)).toContain(d.code);
    expect(d.severity).toBe(d.code.startsWith('W_') ? 'warning' : 'error');
    expect(d.message.length).toBeGreaterThan(10);
    expect(d.message).not.toMatch(/\n/);
    expect(d.line).toBeGreaterThanOrEqual(1);
    expect(d.column).toBeGreaterThanOrEqual(1);
    expect(d.path === '' || d.path.startsWith('/')).toBe(true);
    expect(d.file).not.toMatch(/\\|^\//); // relative, with / separators
    // Secrets in the fixtures are "hunter2" and "abc": no message may repeat them.
    expect(d.message).not.toMatch(/hunter2|\babc\b/);
  }
}

describe('invalid configuration corpus', () => {
  it('has an expectation for every fixture directory, and a directory for every expectation', async () => {
    const dirs = (await readdir(FIXTURES, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name).sort();
    expect(dirs).toEqual(Object.keys(CASES).sort());
    expect(dirs.length + Object.keys(GENERATED).length).toBeGreaterThanOrEqual(45);
  });

  it.each(Object.entries(CASES))('%s', async (name, expected) => {
    const diagnostics = await load(join(FIXTURES, name));
    expect(summary(diagnostics)).toEqual(expected);
    checkShape(diagnostics);
  });

  const temps: string[] = [];
  afterAll(async () => {
    for (const dir of temps) await rm(dir, { recursive: true, force: true });
  });

  it.each(Object.entries(GENERATED))('%s (generated)', async (_name, { make, expected }) => {
    const dir = await mkdtemp(join(tmpdir(), 'pgbackops-config-'));
    temps.push(dir);
    await make(dir);
    const diagnostics = await load(dir);
    expect(summary(diagnostics)).toEqual(expected);
    checkShape(diagnostics);
  });
});
