// Bundles the CLI (tsc's dist/ output plus its dependencies) into dist/bundle/, which bin/pgbackops.js loads.
//
// Why: every `pgbackops run` a schedule starts pays Node's module loading before its pg_dump can start. Loaded
// file by file, the run path is ~120 ES and CommonJS modules (pg alone is ~40 files), each resolved, read and
// linked on its own: about 60 ms of a 2.9 s dump on the benchmark machine. As a few bundled chunks the same code
// loads in about half that (bench/run-job.js measures it). pnpm ships itself bundled for the same reason.
//
// Code splitting keeps the lazily loaded commands lazy: each command, and what only it needs, is its own chunk.
// `pgbackops run` (what every schedule line starts) and `pgbackops restore` have a bundle of their own besides (below).
// Left outside the bundle: pino and pino-pretty (loaded on the first log line only, and pino's transports
// resolve their worker files by path), and pg's optional native binding and Cloudflare socket, which are not
// installed.
import { build } from 'esbuild';
import { readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const outdir = `${root}dist/bundle`;

// pg decides at load time whether it runs in a Cloudflare Worker: on Node 20, which has no `navigator`, by
// constructing a fetch Response, which makes Node load its whole fetch implementation (undici): 50-65 ms of
// CPU in every process that opens the catalog (every scheduled run, every check-status), for an answer that is
// always "no" under Node (a Node Response has no `cf`). The bundle answers it without the Response. If pg's
// code changes, the build stops here rather than silently keep the slow path.
const pgWithoutWorkerProbe = {
  name: 'pg-without-worker-probe',
  setup(b) {
    b.onLoad({ filter: /[\\/]node_modules[\\/]pg[\\/]lib[\\/]stream\.js$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      const probe = 'function isCloudflareRuntime() {';
      if (!source.includes(probe)) throw new Error(`${args.path}: ${probe} not found (pg changed): update scripts/bundle.mjs`);
      return { contents: source.replace(probe, `${probe}\n  return false; // scripts/bundle.mjs: pgbackops runs on Node only`), loader: 'js' };
    });
  },
};

rmSync(outdir, { recursive: true, force: true });
const cliBundle = {
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  // @node-rs/crc32 loads its platform's prebuilt .node file at run time, which a bundle cannot hold.
  external: ['pino', 'pino-pretty', 'pg-native', 'pg-cloudflare', '@node-rs/crc32'],
  // CommonJS dependencies (pg) call require() for Node's built-ins; an ES module has no require of its own.
  banner: { js: "import { createRequire as pgbackopsCreateRequire } from 'node:module'; const require = pgbackopsCreateRequire(import.meta.url);" },
  logLevel: 'warning',
  plugins: [pgWithoutWorkerProbe],
};
await build({ ...cliBundle, entryPoints: [`${root}dist/cli/main.js`], outdir });

// The scheduled commands' own bundles (ownBundleOf in src/cli/command-name.ts): built apart from
// the one above, so that what the run path shares with other commands is not split into chunks. In the
// bundle of all commands `pgbackops run` loads some sixty files; in its own a handful (what it loads only on
// demand, such as an off-site store's SDK, is still a chunk of its own).
await build({ ...cliBundle, entryPoints: { main: `${root}dist/cli/main-run.js` }, outdir: `${outdir}/run` });
// `pgbackops restore`: its start-up is part of a restore's time (RTO), paid twice when root starts it for the job user.
await build({ ...cliBundle, entryPoints: { main: `${root}dist/cli/main-restore.js` }, outdir: `${outdir}/restore` });
// A base backup's tar check runs in a process of its own (src/methods/basebackup/tar-check-process.ts), started
// by every basebackup run beside pg_basebackup: a few files, not the run's bundle.
await build({ ...cliBundle, entryPoints: { main: `${root}dist/methods/basebackup/tar-check-process.js` }, outdir: `${outdir}/tar-check` });

// The status page's script and style (docs/status-page.md): plain TypeScript and CSS, minified, no framework
// and nothing fetched from elsewhere at run time; the daemon serves them and `status --html` inlines them.
await build({
  entryPoints: { 'status-page': `${root}web/status-page/main.ts`, 'status-page-style': `${root}web/status-page/page.css` },
  outdir: `${root}dist/status-page`,
  bundle: true,
  minify: true,
  format: 'esm',
  platform: 'browser',
  target: ['chrome110', 'firefox115', 'safari16'],
  charset: 'utf8',
  logLevel: 'warning',
});
