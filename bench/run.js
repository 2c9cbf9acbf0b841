// npm run bench: builds nothing itself (the npm script builds first), runs every benchmark, prints figures
// and ratios, and writes them as JSON to bench/out/latest.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { benchReconcile } from './reconcile.js';

const { values } = parseArgs({ options: { definitions: { type: 'string' }, nodes: { type: 'string' }, servers: { type: 'string' } } });
const results = {
  machine: { node: process.version, cpus: (await import('node:os')).cpus().length, date: new Date().toISOString() },
  reconcile: await benchReconcile({
    ...(values.definitions ? { definitions: Number(values.definitions) } : {}),
    ...(values.nodes ? { nodes: Number(values.nodes) } : {}),
    ...(values.servers ? { servers: Number(values.servers) } : {}),
  }),
};
mkdirSync(new URL('./out/', import.meta.url), { recursive: true });
writeFileSync(new URL('./out/latest.json', import.meta.url), JSON.stringify(results, null, 2) + '\n');
process.stdout.write('\nwrote bench/out/latest.json\n');
