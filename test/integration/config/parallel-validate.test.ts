// The per-file checks spread over worker threads (src/engine/parallel-file-checks.ts) must give exactly what
// one thread gives: the same diagnostics in the same order, the same objects (key order, -0, hashes) and the
// same revision, on a generated fleet with unusual files added; a worker that fails changes nothing but the
// time; the bundle's worker answers; and `pgbackops validate` above the threshold uses it and exits.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readConfigDir } from '../../../src/adapters/config-dir.js';
import { packBatch } from '../../../src/core/config/file-check-transfer.js';
import { checkConfigFiles, configRevision, validateConfig } from '../../../src/core/config/validate.js';
import type { ConfigFile } from '../../../src/core/config/config-file.js';
import { PARALLEL_MIN_FILES, validateConfigInParallel } from '../../../src/engine/parallel-file-checks.js';
import { pgbackops } from '../../helpers/cli.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const generate = (out: string, nodes: number, definitions: number): void => {
  execFileSync(process.execPath, [join(root, 'examples/fleet/generate.mjs'), '--out', out, '--servers', '2', '--nodes', String(nodes), '--definitions', String(definitions)]);
};
const meta = (name: string): string => `apiVersion: pgbackops/v1\nkind: Retention\nmetadata:\n  name: ${name}\n`;

/** Files that take other paths through the reader and the checks than the generated ones do. */
const UNUSUAL: Record<string, string> = {
  // A byte order mark and CRLF line ends.
  'odd/bom-crlf.yaml': `\uFEFF${meta('crlf')}spec:\n  keepLast: 3\n`.replace(/\n/g, '\r\n'),
  // Unicode in comments, a quoted value and an unknown key (a schema error that quotes it).
  'odd/unicode.yaml': `# 🐘 ünïcödé \u2028\n${meta('uni')}  annotations: { owner: "Jürgen 🐘" }\nspec:\n  keepLast: 2\n  kéép: 1\n`,
  // A NUL in a string (storable-text), and a lone surrogate.
  'odd/nul.yaml': `${meta('nul')}  annotations: { a: "x\\0y", b: "\\ud800" }\nspec:\n  keepLast: 1\n`,
  // The same name in two files.
  'odd/dup-a.yaml': `${meta('dupe')}spec:\n  keepLast: 1\n`,
  'odd/dup-b.yaml': `${meta('dupe')}spec:\n  keepLast: 2\n`,
  // A syntax error in a document that still says its name, beside a valid one.
  'odd/broken.yaml': `${meta('broken')}spec:\n  keepLast: [1\n---\n${meta('after-broken')}spec:\n  keepLast: 4\n`,
  // Anchors and aliases: read by the yaml package, not the fast reader.
  'odd/alias.yaml': `${meta('anchored')}spec: &s\n  keepLast: 5\n---\n${meta('aliased')}spec: *s\n`,
  // Too deep to check (and to clone).
  'odd/deep.yaml': `${meta('deep')}spec:\n  keepLast: ${'['.repeat(400)}${']'.repeat(400)}\n`,
  // Numbers JSON cannot carry: -0 where the schema takes it, .inf and .nan where it does not.
  'odd/numbers.yaml': `${meta('numbers')}spec:\n  keepLast: 1\n  keepDaily: -0\n---\n${meta('inf')}spec:\n  keepLast: .inf\n---\n${meta('nan')}spec:\n  keepLast: .nan\n`,
  // A __proto__ key.
  'odd/proto.yaml': `${meta('proto')}  annotations: { __proto__: "x" }\nspec:\n  keepLast: 1\n  __proto__: { keepDaily: 1 }\n`,
  // Only comments.
  'odd/empty.yaml': '# nothing here\n---\n',
};

let work: string;
let files: ConfigFile[];

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'pgbackops-parallel-'));
  const config = join(work, 'config');
  generate(config, 20, 100);
  for (const [rel, text] of Object.entries(UNUSUAL)) {
    mkdirSync(join(config, rel, '..'), { recursive: true });
    writeFileSync(join(config, rel), text);
  }
  // Errors in generated files too: a reference to a node that does not exist, a duplicate across files.
  const node3 = join(config, 'nodes', 'pg0003.yaml');
  writeFileSync(node3, readFileSync(node3, 'utf8').replace('  node: pg0003\n', '  node: pg9999\n'));
  writeFileSync(join(config, 'odd', 'copy-of-pg0005.yaml'), readFileSync(join(config, 'nodes', 'pg0005.yaml'), 'utf8'));
  // A symlink to a file (read once) and one to a directory.
  symlinkSync(join(config, 'nodes', 'pg0001.yaml'), join(config, 'odd', 'link.yaml'));
  symlinkSync(join(config, 'teams'), join(config, 'odd', 'teams-link'));
  return readConfigDir(config).then((read) => {
    files = read.files;
  });
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('validateConfigInParallel', () => {
  it('gives exactly what one thread gives, on a fleet with unusual files', async () => {
    const single = validateConfig(files, { now: Date.UTC(2026, 5, 1) });
    // The inputs do what they are here for.
    const codes = new Set(single.diagnostics.map((d) => d.code));
    for (const code of ['E_YAML_SYNTAX', 'E_DUPLICATE_NAME', 'E_REF_UNKNOWN_NODE', 'E_YAML_TOO_DEEP', 'E_NUL_CHARACTER', 'E_UNPAIRED_SURROGATE', 'E_SCHEMA_UNKNOWN_FIELD']) {
      expect(codes, code).toContain(code);
    }
    expect(files.length).toBeGreaterThan(80);
    for (const workers of [1, 3]) {
      // Every batch through the workers, then shared with this thread.
      for (const checkHere of [false, true]) {
        const parallel = await validateConfigInParallel(files, { now: Date.UTC(2026, 5, 1) }, { minFiles: 1, workers, batchFiles: 3, checkHere });
        expect(parallel).toStrictEqual(single);
      }
    }
  });

  it('gives the same objects (key order, -0, hashes) on a valid configuration', async () => {
    const valid = files.filter((f) => !f.path.startsWith('odd/') && !f.path.startsWith('nodes/pg0003'));
    valid.push({ path: 'z/numbers.yaml', text: `${meta('numbers')}spec:\n  keepLast: 1\n  keepDaily: -0\n` });
    const single = validateConfig(valid);
    expect(single.config).not.toBeNull();
    const parallel = await validateConfigInParallel(valid, {}, { minFiles: 1, workers: 2, batchFiles: 4, checkHere: false });
    expect(parallel).toStrictEqual(single);
    expect(JSON.stringify(parallel.config!.objects)).toBe(JSON.stringify(single.config!.objects));
    const numbers = parallel.config!.objects.find((o) => o.name === 'numbers')!.spec as { keepDaily?: number };
    expect(Object.is(numbers.keepDaily, -0)).toBe(true);
  });

  it('checks on this thread what a failing worker does not answer', async () => {
    const single = validateConfig(files);
    const failing = [
      'data:text/javascript,import { parentPort } from "node:worker_threads"; parentPort.on("message", () => { throw new Error("boom"); });',
      'data:text/javascript,process.exit(3);',
      new URL('./no-such-worker.js', import.meta.url).href,
      // Answers with something that is not a batch's checks.
      'data:text/javascript,import { parentPort } from "node:worker_threads"; parentPort.on("message", (b) => parentPort.postMessage({ batch: b.batch, checks: { json: "[{", unsafe: [] } }));',
      'data:text/javascript,import { parentPort } from "node:worker_threads"; parentPort.on("message", (b) => parentPort.postMessage({ batch: b.batch, checks: { json: "[]", unsafe: [] } }));',
    ];
    for (const url of failing) {
      const parallel = await validateConfigInParallel(files, {}, { minFiles: 1, workers: 2, batchFiles: 5, workerUrl: new URL(url), checkHere: false });
      expect(parallel).toStrictEqual(single);
    }
  });

  it('stays on one thread below the threshold', async () => {
    expect(files.length).toBeLessThan(PARALLEL_MIN_FILES);
    const parallel = await validateConfigInParallel(files, {}, { workerUrl: new URL('data:text/javascript,process.exit(3);') });
    expect(parallel).toStrictEqual(validateConfig(files));
  });
});

describe('the bundle', () => {
  it("has a worker that answers a batch with the files' packed checks", async () => {
    const worker = new Worker(new URL('../../../dist/bundle/file-check-worker.js', import.meta.url));
    try {
      const batch = files.slice(0, 12);
      const answer = await new Promise<unknown>((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
        worker.postMessage({ batch: 7, files: batch });
      });
      expect(answer).toStrictEqual({ batch: 7, checks: packBatch(checkConfigFiles(batch)) });
    } finally {
      await worker.terminate();
    }
  });

  it('`pgbackops validate` of a configuration above the threshold: the same answer, and the process exits', async () => {
    const config = join(work, 'large');
    // 4 files per node: above PARALLEL_MIN_FILES files.
    generate(config, Math.ceil(PARALLEL_MIN_FILES / 4) + 1, 2 * PARALLEL_MIN_FILES);
    const result = await pgbackops(['validate', '--json', '-c', config]);
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    const read = await readConfigDir(config);
    expect(read.files.length).toBeGreaterThanOrEqual(PARALLEL_MIN_FILES);
    expect(JSON.parse(result.stdout)).toMatchObject({ valid: true, revision: configRevision(read.files) });
  });
});
