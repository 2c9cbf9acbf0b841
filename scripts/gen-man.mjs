#!/usr/bin/env node
// Writes man/pgbackops.1 from the commander definitions (src/cli/man-page.ts), the same source as --help and
// `pgbackops completion`. The TypeScript is bundled by esbuild into node_modules/.cache first, so this needs
// no build of dist/. Usage: node scripts/gen-man.mjs (part of `npm run generate`).
import { mkdirSync, writeFileSync } from 'node:fs';
import { build } from 'esbuild';

const root = new URL('../', import.meta.url);
const cacheDir = new URL('node_modules/.cache/pgbackops-gen-man/', root);
mkdirSync(cacheDir, { recursive: true });
await build({
  entryPoints: [new URL('scripts/man-entry.ts', root).pathname],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  splitting: true,
  outdir: cacheDir.pathname,
  logLevel: 'error',
});
const { renderManPage } = await import(new URL('man-entry.js', cacheDir).href);
mkdirSync(new URL('man/', root), { recursive: true });
writeFileSync(new URL('man/pgbackops.1', root), await renderManPage());
console.log('wrote man/pgbackops.1');
