// The alerts a pass raises (the daemon every minute, `maintain` every run): definitions of the server that
// are late (definition-health.ts decides), late ones that are on time again, the WAL archives this server
// receives that are failing (receiver stopped, restarting or silent, slot keeping too much WAL:
// wal-archive-health.ts decides) or healthy again, and reminders of every state that stays bad. Alerts of
// run outcomes are not raised here: they are raised when the outcome is recorded.
import type { Catalog, CatalogObject } from '../../adapters/catalog/catalog.js';
import type { Logger } from '../../adapters/logger.js';
import { definitionHealth } from '../../core/reports/definition-health.js';
import { definitionsOfServer, isScheduled } from '../../core/schedule/server-entries.js';
import { readRunStats } from '../../adapters/catalog/run-stats.js';
import { archivedNodesOfServer } from '../../core/wal/archived-nodes.js';
import { walArchiveHealth } from '../../core/wal/wal-archive-health.js';

export interface EvaluationOutcome {
  late: string[];
  onTime: string[];
  /** Nodes whose WAL archive turned failing, and healthy again, in this pass. */
  walFailing: string[];
  walRecovered: string[];
  reminders: number;
}

export async function evaluateAlerts(
  catalog: Pick<Catalog, 'alerts' | 'outbox' | 'walReceivers'>, server: string, objects: readonly CatalogObject[], logger: Logger, now: number,
): Promise<EvaluationOutcome> {
  const outcome: EvaluationOutcome = { late: [], onTime: [], walFailing: [], walRecovered: [], reminders: 0 };
  const stats = await readRunStats((sql, params) => catalog.alerts.query(sql, params), { server });
  const wasLate = await catalog.alerts.lateDefinitions();
  for (const def of definitionsOfServer(objects, server)) {
    const health = definitionHealth(
      { name: def.name, schedule: def.backup.resolvedSchedule, timezone: def.backup.timezone, scheduled: isScheduled(def) }, stats.get(def.name), now,
    );
    const late = health.state === 'Late';
    // Only a change needs the state row: definitions neither late nor remembered as late are left alone.
    if (!late && !wasLate.has(def.name)) continue;
    const event = await catalog.alerts.observeLate(def.name, {
      bad: late,
      cause: health.lastExpectedRun ?? 'unknown',
      summary: late ? `backup ${def.name} is late: ${health.reason}` : `backup ${def.name} is on time again (${health.state.toLowerCase()})`,
      subject: { definition: def.name, node: def.node.name, backupServer: server },
    });
    if (event?.notice === 'alert') outcome.late.push(def.name);
    if (event?.notice === 'recovery') outcome.onTime.push(def.name);
  }
  await evaluateWalArchives(catalog, server, objects, now, outcome);
  outcome.reminders = await catalog.outbox.queueReminders(now);
  if (outcome.late.length + outcome.onTime.length + outcome.walFailing.length + outcome.walRecovered.length + outcome.reminders > 0) {
    logger.info(outcome, 'alerts raised');
  }
  return outcome;
}

/**
 * The WAL archives this server receives, judged as status and check-status judge them. A failing one raises
 * wal-archive-lagging once (the state row under its lock decides, so the daemon and `maintain` never both
 * raise it), a healthy one after that wal-archive-recovered; an archive removed or disabled while failing
 * recovers too (nothing is expected of it any more).
 */
async function evaluateWalArchives(
  catalog: Pick<Catalog, 'alerts' | 'walReceivers'>, server: string, objects: readonly CatalogObject[], now: number, outcome: EvaluationOutcome,
): Promise<void> {
  const archived = archivedNodesOfServer(objects, server);
  const wasFailing = await catalog.alerts.failingWalArchives(server);
  if (archived.length === 0 && wasFailing.size === 0) return;
  const reports = new Map((await catalog.walReceivers.list()).map((r) => [r.node, r]));
  const judged = new Map(archived.map((a) => [a.name, walArchiveHealth(a.name, a.walArchive, reports.get(a.name) ?? null, now)]));
  for (const node of new Set([...judged.keys(), ...wasFailing])) {
    const health = judged.get(node);
    const failing = health?.failing ?? false;
    if (!failing && !wasFailing.has(node)) continue;
    const event = await catalog.alerts.observeWalArchive(node, {
      bad: failing,
      // An episode's identity: when this pass saw it turn bad (one pass raises it, under the state's lock).
      cause: new Date(now).toISOString(),
      summary: failing
        ? `WAL archive of node ${node} is failing: ${health!.reasons.join('; ')}`
        : health === undefined || health.state === 'disabled'
          ? `WAL archive of node ${node} is no longer received by ${server}`
          : `WAL archive of node ${node} is healthy again (receiver ${health.state})`,
      ...(failing && health!.report?.lastError ? { detail: health!.report.lastError } : {}),
      subject: { node, backupServer: server },
    });
    if (event?.notice === 'alert') outcome.walFailing.push(node);
    if (event?.notice === 'recovery') outcome.walRecovered.push(node);
  }
}
