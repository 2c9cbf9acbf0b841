// The layers of docs/architecture.md ("Layers", with its picture), checked on the real import graph: a
// forbidden import fails this test with the file, the line and the rule it breaks. core is pure (no other
// layer, no I/O module); adapters know no use case; runtime (settings, catalog session, definition cache) sits
// below both engine and jobs, which do not import each other; nothing below the CLI imports it; a command
// module imports no other command module.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { importGraph, type ImportEdge } from '../../helpers/import-graph.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Node modules that do I/O: core must not import them. */
const IO_MODULES = ['fs', 'fs/promises', 'child_process', 'net', 'http', 'https', 'http2', 'dgram', 'tls', 'readline', 'readline/promises', 'worker_threads', 'cluster'];

interface Rule {
  name: string;
  /** The importing files the rule is about. */
  from: RegExp;
  /** Targets they must not import. */
  forbidden: RegExp;
  /** Imports that stay inside one file's own folder are allowed (for rules about siblings). */
  exceptSameFile?: boolean;
}

const layer = (...names: string[]) => new RegExp(`^src/(${names.join('|')})/`);

const RULES: readonly Rule[] = [
  { name: 'core imports no other layer', from: layer('core'), forbidden: layer('adapters', 'runtime', 'engine', 'jobs', 'methods', 'daemon', 'cli') },
  { name: 'core does no I/O', from: layer('core'), forbidden: new RegExp(`^(node:)?(${IO_MODULES.join('|')})$`) },
  { name: 'adapters import no use case', from: layer('adapters'), forbidden: layer('runtime', 'engine', 'jobs', 'methods', 'daemon', 'cli') },
  { name: 'runtime sits below engine and jobs', from: layer('runtime'), forbidden: layer('engine', 'jobs', 'methods', 'daemon', 'cli') },
  { name: 'engine imports no job', from: layer('engine'), forbidden: layer('jobs', 'daemon', 'cli') },
  { name: 'jobs import no engine, daemon or cli', from: layer('jobs'), forbidden: layer('engine', 'daemon', 'cli') },
  { name: 'methods import no engine, daemon or cli', from: layer('methods'), forbidden: layer('engine', 'daemon', 'cli') },
  { name: 'the daemon imports no cli', from: layer('daemon'), forbidden: layer('cli') },
  { name: 'a command imports no other command', from: /^src\/cli\/commands\//, forbidden: /^src\/cli\/commands\//, exceptSameFile: true },
];

/** Every edge that breaks a rule, as `file:line imports target (rule)`. */
function forbiddenImports(edges: readonly ImportEdge[], rules: readonly Rule[] = RULES): string[] {
  const out: string[] = [];
  for (const edge of edges) {
    for (const rule of rules) {
      if (!rule.from.test(edge.from) || !rule.forbidden.test(edge.to)) continue;
      if (rule.exceptSameFile && edge.to === edge.from) continue;
      out.push(`${edge.from}:${edge.line} imports ${edge.to} (${rule.name})`);
    }
  }
  return out;
}

describe('import layers', () => {
  it('the sources break no layer rule', () => {
    const edges = importGraph(ROOT, 'src');
    // The graph was really read: a broken reader would find nothing and pass.
    expect(edges.length).toBeGreaterThan(500);
    expect(edges).toContainEqual(expect.objectContaining({ from: 'src/cli/command-registry.ts', to: 'src/cli/commands/run.ts' }));
    expect(forbiddenImports(edges)).toEqual([]);
  });

  it('names each forbidden edge of a graph that has them', () => {
    const edges: ImportEdge[] = [
      { from: 'src/core/plan/make-plan.ts', to: 'src/adapters/catalog/catalog.ts', line: 3 },
      { from: 'src/core/config/hosts.ts', to: 'node:net', line: 4 },
      { from: 'src/core/canonical.ts', to: 'node:crypto', line: 2 },
      { from: 'src/adapters/catalog/report-queries.ts', to: 'src/daemon/run-stats.ts', line: 7 },
      { from: 'src/engine/plan-state.ts', to: 'src/jobs/prune.ts', line: 11 },
      { from: 'src/jobs/run-definition.ts', to: 'src/engine/settings.ts', line: 9 },
      { from: 'src/jobs/run-definition.ts', to: 'src/runtime/settings.ts', line: 9 },
      { from: 'src/methods/logical/dump-database.ts', to: 'src/cli/output.ts', line: 5 },
      { from: 'src/cli/commands/show.ts', to: 'src/cli/commands/restore.ts', line: 9 },
      { from: 'src/cli/commands/show.ts', to: 'src/cli/backup-rows.ts', line: 8 },
      { from: 'src/cli/main.ts', to: 'src/cli/commands/run.ts', line: 40 },
    ];
    expect(forbiddenImports(edges)).toEqual([
      'src/core/plan/make-plan.ts:3 imports src/adapters/catalog/catalog.ts (core imports no other layer)',
      'src/core/config/hosts.ts:4 imports node:net (core does no I/O)',
      'src/adapters/catalog/report-queries.ts:7 imports src/daemon/run-stats.ts (adapters import no use case)',
      'src/engine/plan-state.ts:11 imports src/jobs/prune.ts (engine imports no job)',
      'src/jobs/run-definition.ts:9 imports src/engine/settings.ts (jobs import no engine, daemon or cli)',
      'src/methods/logical/dump-database.ts:5 imports src/cli/output.ts (methods import no engine, daemon or cli)',
      'src/cli/commands/show.ts:9 imports src/cli/commands/restore.ts (a command imports no other command)',
    ]);
  });
});
