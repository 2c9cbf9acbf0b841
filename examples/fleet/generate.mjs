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

// The layout a team would use, with the variety real files have: each node's file `nodes/<node>.yaml` holds
// its Node document and its first definitions; its other definitions are spread over several files in a
// team/node directory tree (`teams/<team>/<node>/*.yaml`). Documents carry comments, flow mappings, quoted
// scalars and inline retentions. The first definition of every node keeps the plain line
// `schedule: "H H(0-5) * * *"` that the benchmarks edit.
const teamName = (n) => `team-${String((n % 97) + 1).padStart(2, '0')}`;
const perNode = Array.from({ length: nodes }, () => []);
for (let d = 0; d < definitions; d++) perNode[d % nodes].push(d);

function backupDoc(name, node, d, first) {
  // Mixed with the definition's rank on its node, so that every node has every variant.
  const mix = d + Math.floor(d / nodes);
  const kind = mix % 10 === 0 ? 'cluster' : mix % 3 === 0 ? 'schema' : 'full';
  const variant = first ? 0 : mix % 5;
  const lines = [`node: ${variant === 1 ? `'${node}'` : node}`];
  if (kind !== 'cluster') lines.push(variant === 2 ? `databases:\n    - "app${d % 7}"\n    - reporting${d % 3}` : `databases: [app${d % 7}]`);
  lines.push(variant === 3 ? `type: "${kind}"   # ${kind === 'schema' ? 'the data lives elsewhere' : 'as the team asked'}` : `type: ${kind}`);
  lines.push(variant === 4 ? `schedule: 'H H(1-4) * * 1-5'` : `schedule: "H H(0-5) * * *"`);
  if (variant === 2 && kind !== 'cluster') lines.push('format: directory', 'jobs: 2', 'compression: { method: gzip, level: 4 }');
  if (variant === 3) lines.push('retention: { keepLast: 3, keepDaily: 7 }');
  else if (variant === 4) lines.push('retention:', '  keepWithin: "3d"', '  keepWeekly: 8   # two months of weeklies');
  else lines.push(`retention: ${d % 4 === 0 ? 'short' : 'standard'}`);
  if (variant === 1) lines.push(`remarks: "owned by ${teamName(d)}; ask before disabling: it's \\"critical\\""`);
  const metadata = variant === 1 ? `metadata: { name: ${name} }\n` : `metadata:\n  name: ${name}\n`;
  const comment = variant === 0 ? '' : `# ${name}: added by ${teamName(d)}\n`;
  return `${comment}apiVersion: pgbackops/v1\nkind: Backup\n${metadata}spec:\n${lines.map((l) => `  ${l}`).join('\n')}\n`;
}

let files = 2;
for (let n = 0; n < nodes; n++) {
  const name = nodeName(n);
  const team = teamName(n);
  const mine = perNode[n];
  // A third of a node's definitions (at least one) beside its Node document, the rest in up to 3 more files.
  const inMain = Math.max(1, Math.ceil(mine.length / 3));
  const docs = [`# ${name}: ${team}'s database server\n` + doc('Node', name, [`host: "${name}.db.example.org"`, 'port: 5432', 'user: backup', "passfile: '/etc/pgbackops/pgpass'", `backupServer: ${serverName(n % servers)}`])];
  mine.slice(0, inMain).forEach((d, i) => docs.push(backupDoc(`${name}-db${String(d).padStart(5, '0')}`, name, d, i === 0)));
  writeFileSync(join(out, 'nodes', `${name}.yaml`), header + docs.join('---\n'));
  const rest = mine.slice(inMain);
  if (rest.length === 0) continue;
  const dir = join(out, 'teams', team, name);
  mkdirSync(dir, { recursive: true });
  const parts = Math.min(3, rest.length);
  for (let p = 0; p < parts; p++) {
    const share = rest.filter((_, i) => i % parts === p);
    const body = share.map((d) => backupDoc(`${name}-db${String(d).padStart(5, '0')}`, name, d, false)).join('---\n');
    writeFileSync(join(dir, `backups-${p + 1}.yaml`), `# ${team} / ${name}, part ${p + 1}\n---\n${body}`);
    files++;
  }
  files++;
}
process.stdout.write(`wrote ${servers} servers, ${nodes} nodes, ${definitions} definitions in ${files} files to ${out}\n`);
