// Writes test/file-durations.json, the seconds each test file took, from vitest's results cache of the last
// run (node_modules/.vite/vitest/*/results.json). The suite's sequencer (test/helpers/slowest-first-sequencer.ts)
// reads it to start the longest files first on a fresh clone, where vitest has no cache of its own.
// Refresh it after a full run on a quiet machine:  npx vitest run && node scripts/record-test-durations.mjs
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const cacheRoot = 'node_modules/.vite/vitest';
const caches = readdirSync(cacheRoot)
  .map((dir) => join(cacheRoot, dir, 'results.json'))
  .filter((file) => statSync(file, { throwIfNoEntry: false }))
  .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
if (caches.length === 0) throw new Error(`no vitest results cache under ${cacheRoot}: run the suite first`);

const durations = {};
for (const [key, result] of JSON.parse(readFileSync(caches[0], 'utf8')).results) {
  // Keys are "<project>:<file>"; a failed file's duration says little about a passing one.
  const file = key.slice(key.indexOf(':') + 1);
  if (!result.failed && result.duration > 0) durations[file] = Math.round(result.duration / 100) / 10;
}
const sorted = Object.fromEntries(Object.entries(durations).sort(([, a], [, b]) => b - a));
writeFileSync('test/file-durations.json', `${JSON.stringify(sorted, null, 1)}\n`);
console.log(`test/file-durations.json: ${Object.keys(sorted).length} files`);
