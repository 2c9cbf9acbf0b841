#!/usr/bin/env node
// Thin launcher: the CLI lives in dist/ (built by `npm ci` via the prepare script).
import('../dist/cli/main.js').then((m) => m.main(process.argv)).catch((err) => {
  process.stderr.write(`pgbackops: ${err?.stack ?? err}\n`);
  process.exit(1);
});
