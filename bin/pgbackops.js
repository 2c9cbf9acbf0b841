#!/usr/bin/env node
// Thin launcher: the CLI is built into dist/ by `npm ci` (the prepare script) or `npm run build`; this loads
// its bundle (dist/bundle/, see scripts/bundle.mjs), which starts faster than dist/'s one file per module.
// With PGBACKOPS_DEBUG, stack traces point into src/*.ts (through the bundle's and tsc's source maps).
// A scheduled command (`run`) loads its own bundle, dist/bundle/run/, and `restore` dist/bundle/restore/: a few
// files instead of the shared bundle's many chunks (ownBundleOf in src/cli/command-name.ts says which).
if (process.env.PGBACKOPS_DEBUG) process.setSourceMapsEnabled(true);
// Node 20 has no `navigator`, whose absence makes pg load Node's fetch on load: defined before any bundle
// loads (src/cli/navigator-as-node21.ts).
import('../dist/cli/navigator-as-node21.js').then(() => import('../dist/cli/command-name.js')).then(({ ownBundleOf }) => {
  const own = ownBundleOf(process.argv.slice(2));
  return import(own ? `../dist/bundle/${own}/main.js` : '../dist/bundle/main.js');
}).then((m) => m.main(process.argv)).catch((err) => {
  process.stderr.write(`pgbackops: ${err?.stack ?? err}\n`);
  process.exit(1);
});
