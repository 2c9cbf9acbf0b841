// `pgbackops status --html FILE`: the daemon's status page as one self-contained file (script, style and
// data inlined; docs/status-page.md), for servers whose schedules run from cron without a daemon.
import type { Catalog } from '../adapters/catalog/catalog.js';
import { writeFileAtomic } from '../adapters/fs/atomic-write.js';
import { statusPageAssets } from '../adapters/fs/status-page-assets.js';
import { statusPageHtml } from '../core/render/status-page-html.js';
import { readStatusPage } from '../engine/status-page.js';

/** Writes the page and says what it wrote. Mode 0644: the page holds no secret, and a web server may serve it. */
export async function writeStatusPage(catalog: Catalog, now: number, file: string, stateDir: string): Promise<string> {
  const data = await readStatusPage(catalog, now, null, stateDir);
  const assets = statusPageAssets();
  await writeFileAtomic(file, statusPageHtml({ mode: 'file', script: assets.script, style: assets.style, data }), 0o644);
  const problems = data.summary.Failing + data.summary.Late + data.summary['Never run'];
  return `Wrote ${file}: ${data.definitions.length} definition(s), ${problems} not healthy (Failing, Late or Never run).`;
}
