#!/usr/bin/env node
// Generates a fleet configuration: N backup servers, M nodes spread over them, D backup definitions spread
// over the nodes. Used by the benchmarks and to try pgbackops at scale.
//   node examples/fleet/generate.mjs --out /tmp/fleet --servers 10 --nodes 1000 --definitions 10000
import { mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    out: { type: 'string' },
    servers: { type: 'string', default: '10' },
    nodes: { type: 'string', default: '1000' },
    definitions: { type: 'string', default: '10000' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help || !values.out) {
  process.stdout.write('usage: generate.mjs --out DIR [--servers 10] [--nodes 1000] [--definitions 10000]\n');
  process.exit(values.help ? 0 : 1);
}
const servers = Number(values.servers);
const nodes = Number(values.nodes);
const definitions = Number(values.definitions);
const out = values.out;
rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, 'nodes'), { recursive: true });
mkdirSync(join(out, 'backups'), { recursive: true });

const header = '';
const doc = (kind, name, specLines) => `apiVersion: pgbackops/v1\nkind: ${kind}\nmetadata:\n  name: ${name}\nspec:\n${specLines.map((l) => `  ${l}`).join('\n')}\n`;

const serverName = (i) => `backup${String(i + 1).padStart(2, '0')}`;
const nodeName = (i) => `pg${String(i + 1).padStart(4, '0')}`;

const serverDocs = [];
for (let s = 0; s < servers; s++) {
  serverDocs.push(doc('BackupServer', serverName(s), [
    `host: ${serverName(s)}.example.org`,
    'backupRoot: /srv/pgbackops',
    'scheduler:',
    '  type: cron.d',
    `  file: fleet-cron/${serverName(s)}`,
    '  user: postgres',
  ]));
}
writeFileSync(join(out, 'servers.yaml'), header + serverDocs.join('---\n'));
writeFileSync(join(out, 'retention.yaml'), header + doc('Retention', 'standard', ['keepWithin: 7d', 'keepLast: 2', 'keepDaily: 7', 'keepWeekly: 4', 'keepMonthly: 12'])
  + '---\n' + doc('Retention', 'short', ['keepLast: 3']));

// One file per node holding its Node document and its definitions: the layout a team would use.
const perNode = Array.from({ length: nodes }, () => []);
for (let d = 0; d < definitions; d++) perNode[d % nodes].push(d);
for (let n = 0; n < nodes; n++) {
  const name = nodeName(n);
  const docs = [doc('Node', name, [`host: ${name}.db.example.org`, 'port: 5432', 'user: backup', 'passfile: /etc/pgbackops/pgpass', `backupServer: ${serverName(n % servers)}`])];
  for (const d of perNode[n]) {
    const kind = d % 10 === 0 ? 'cluster' : d % 3 === 0 ? 'schema' : 'full';
    docs.push(doc('Backup', `${name}-db${String(d).padStart(5, '0')}`, [
      `node: ${name}`,
      ...(kind === 'cluster' ? [] : [`databases: [app${d % 7}]`]),
      `type: ${kind}`,
      `schedule: "H H(0-5) * * *"`,
      `retention: ${d % 4 === 0 ? 'short' : 'standard'}`,
    ]));
  }
  writeFileSync(join(out, 'nodes', `${name}.yaml`), header + docs.join('---\n'));
}
process.stdout.write(`wrote ${servers} servers, ${nodes} nodes, ${definitions} definitions to ${out}\n`);
