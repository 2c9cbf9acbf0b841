// The status page's bundled script and style (built by scripts/bundle.mjs into dist/status-page/, shipped in
// the package), read once per process.
import { readFileSync } from 'node:fs';
import { packagePath } from './package-files.js';

export interface StatusPageAssets {
  script: string;
  style: string;
}

let cached: StatusPageAssets | null = null;

export function statusPageAssets(): StatusPageAssets {
  if (cached) return cached;
  const read = (file: string) => {
    try {
      return readFileSync(packagePath('dist', 'status-page', file), 'utf8');
    } catch (err) {
      throw new Error(`the status page is not built (${(err as Error).message}); run npm run build`);
    }
  };
  cached = { script: read('status-page.js'), style: read('status-page-style.css') };
  return cached;
}
