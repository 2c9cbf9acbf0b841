// pgbackops check [NODE...]: each node's prerequisites for the backup methods its definitions use, checked
// from this machine (like `pgbackrest check` and `barman check`). Read-only: every finding says what to change
// on the node; pgbackops never changes it. Exit 0 when everything is in place, 1 when anything is missing.
// The outcome for each pgBackRest stanza is recorded in the catalog (its last check, shown by status).
import { isAbsolute, resolve } from 'node:path';
import type { Command } from 'commander';
import { methodOf, type BackupMethodName, type BackupServerSpec, type DumpSpec, type NodeSpec } from '../../core/model.js';
import type { StanzaCheckRecord } from '../../core/methods/pgbackrest/stanza-check.js';
import { withCatalog } from '../../runtime/catalog-session.js';
import { walArchiveDirectory } from '../../methods/basebackup/wal-archive-layout.js';
import type { PrerequisiteCheck } from '../../methods/method.js';
import { backupMethodOf } from '../../methods/registry.js';
import { actAsJobUser, actingForThisMachine } from '../act-as-job-user.js';
import { contextOf } from '../context.js';
import { CliError, printJson, printText, stdoutStyle } from '../output.js';
import { recordRestorableWindows } from '../../engine/restorable-windows.js';
import { verdictOfRecord, windowCheck } from '../../core/wal/restorable-window.js';

interface NodeOutcome {
  node: string;
  backupServer: string;
  methods: Array<{ method: BackupMethodName; checks: PrerequisiteCheck[] }>;
  /** Why nothing was checked (no definition uses it). */
  note: string | null;
}

export function registerCheck(program: Command): void {
  program
    .command('check')
    .description("check each node's prerequisites for the backup methods its definitions use (connection, client tools; for basebackup: REPLICATION, wal_level, WAL senders, pg_hba replication entry, the WAL archive; for pgbackrest: the stanza, archive_command, pgbackrest check, whose outcome status shows); read-only on the nodes")
    .argument('[node...]', 'only these nodes (default: every node in the catalog)')
    .option('--json', 'print every finding as JSON')
    .action(async (names: string[], _opts: unknown, command: Command) => {
      const ctx = contextOf(command);
      if ((await actAsJobUser(ctx, actingForThisMachine(ctx, 'read'))) === 'delegated') return;
      const outcomes = await withCatalog(ctx.settings, ctx.logger, async (catalog) => {
        const snapshot = await catalog.readSnapshot();
        const nodes = new Map<string, NodeSpec>();
        const servers = new Map<string, BackupServerSpec>();
        const methods = new Map<string, Set<BackupMethodName>>();
        for (const o of snapshot.objects) {
          if (o.kind === 'Node') nodes.set(o.name, o.spec as NodeSpec);
          else if (o.kind === 'BackupServer') servers.set(o.name, o.spec as BackupServerSpec);
        }
        for (const o of snapshot.objects) {
          if (o.kind !== 'Backup' && o.kind !== 'Snapshot') continue;
          const spec = o.spec as DumpSpec;
          let used = methods.get(spec.node);
          if (!used) methods.set(spec.node, (used = new Set()));
          used.add(methodOf(spec));
        }
        // A WAL archive serves base backups: a node archived ahead of its first basebackup definition is checked as one.
        for (const [name, node] of nodes) {
          if (!node.walArchive?.enabled) continue;
          let used = methods.get(name);
          if (!used) methods.set(name, (used = new Set()));
          used.add('basebackup');
        }
        const unknown = names.filter((n) => !nodes.has(n));
        if (unknown.length > 0) throw new CliError(`no node ${unknown.join(', ')} in the catalog (it has: ${[...nodes.keys()].join(', ') || 'none'})`);
        const out: NodeOutcome[] = [];
        const stanzaChecks: StanzaCheckRecord[] = [];
        for (const [name, node] of [...nodes].filter(([n]) => names.length === 0 || names.includes(n)).sort(([a], [b]) => a.localeCompare(b))) {
          const server = servers.get(node.backupServer);
          const used = [...(methods.get(name) ?? [])].sort();
          const outcome: NodeOutcome = { node: name, backupServer: node.backupServer, methods: [], note: used.length === 0 ? 'no Backup or Snapshot uses this node: nothing to check' : null };
          const root = server ? (isAbsolute(server.backupRoot) ? server.backupRoot : resolve(ctx.settings.stateDir, server.backupRoot)) : undefined;
          for (const method of used) {
            const checks = await backupMethodOf(method, `node ${name}`).check({
              node: { ...node, name }, ...(server?.pgBinDirs ? { pgBinDirs: server.pgBinDirs } : {}),
              ...(root ? { archiveDir: walArchiveDirectory(root, name) } : {}),
              // pgbackrest reads the node's stanza from the server's configuration file under this state directory.
              ...(server ? { server: { spec: server, stateDir: ctx.settings.stateDir } } : {}),
            });
            outcome.methods.push({ method, checks });
            const stanza = node.pgbackrest?.stanza;
            if (method === 'pgbackrest' && server && stanza !== undefined) {
              const failed = checks.filter((c) => !c.ok);
              stanzaChecks.push({
                server: node.backupServer, stanza, node: name, ok: failed.length === 0,
                detail: failed.length === 0 ? null : failed.map((c) => `${c.name}: ${c.detail}`).join('; '), checkedBy: 'check', checkedAt: Date.now(),
              });
            }
          }
          out.push(outcome);
        }
        // What status and /metrics show of each stanza: its last check, this one.
        if (stanzaChecks.length > 0) await catalog.stanzaChecks.record(stanzaChecks);
        // The restorable windows of the archives on this machine, for status on the machines without them.
        // Each is also a line of its node: a gap in the archive after the kept base backups is a NO.
        if (out.some((o) => o.methods.some((m) => m.method === 'basebackup'))) {
          const records = await recordRestorableWindows(catalog, snapshot.objects, ctx.settings.stateDir, 'check')
            .catch((err: Error) => { ctx.logger.warn({ err: err.message }, 'could not record the restorable windows'); return []; });
          for (const o of out) {
            const record = records.find((r) => r.node === o.node);
            const basebackup = o.methods.find((m) => m.method === 'basebackup');
            if (record && basebackup) basebackup.checks.push({ name: 'restorable window', ...windowCheck(verdictOfRecord(record)) });
          }
        }
        return out;
      });
      const ok = outcomes.every((o) => o.methods.every((m) => m.checks.every((c) => c.ok)));
      if (ctx.json) {
        printJson({ ok, nodes: outcomes });
      } else {
        const style = stdoutStyle();
        const lines: string[] = [];
        for (const o of outcomes) {
          lines.push(`node ${o.node} (backup server ${o.backupServer})`);
          if (o.note) lines.push(`  ${o.note}`);
          for (const m of o.methods) {
            lines.push(`  method ${m.method}:`);
            for (const c of m.checks) lines.push(`    ${c.ok ? style.add('ok ') : style.remove('NO ')} ${c.name}: ${c.detail}`);
          }
        }
        if (outcomes.length === 0) lines.push('no nodes in the catalog');
        lines.push(ok ? 'Every prerequisite is in place.' : style.remove('Something is missing: see the lines marked NO.'));
        printText(lines.join('\n'));
      }
      process.exitCode = ok ? 0 : 1;
    });
}
