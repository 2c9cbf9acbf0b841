#!/usr/bin/env node
// Thin launcher: the CLI is built into dist/ by `npm ci` (the prepare script) or `npm run build`; this loads
// its bundle (dist/bundle/, see scripts/bundle.mjs), which starts faster than dist/'s one file per module.
// With PGBACKOPS_DEBUG, stack traces point into src/*.ts (through the bundle's and tsc's source maps).
if (process.env.PGBACKOPS_DEBUG) process.setSourceMapsEnabled(true);
import('../dist/bundle/main.js').then((m) => m.main(process.argv)).catch((err) => {
  process.stderr.write(`pgbackops: ${err?.stack ?? err}\n`);
  process.exit(1);
});
