// The alerts a pass raises (the daemon every minute, `maintain` every run): definitions of the server that
// are late (definition-health.ts decides), late ones that are on time again, and reminders of every state
// that stays bad. Alerts of run outcomes are not raised here: they are raised when the outcome is recorded.
import type { Catalog, CatalogObject } from '../../adapters/catalog/catalog.js';
import type { Logger } from '../../adapters/logger.js';
import { definitionHealth } from '../../core/reports/definition-health.js';
import { definitionsOfServer, isScheduled } from '../../core/schedule/server-entries.js';
import { readRunStats } from '../../adapters/catalog/run-stats.js';

export interface EvaluationOutcome {
  late: string[];
  onTime: string[];
  reminders: number;
}

export async function evaluateAlerts(
  catalog: Pick<Catalog, 'alerts' | 'outbox'>, server: string, objects: readonly CatalogObject[], logger: Logger, now: number,
): Promise<EvaluationOutcome> {
  const outcome: EvaluationOutcome = { late: [], onTime: [], reminders: 0 };
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
  outcome.reminders = await catalog.outbox.queueReminders(now);
  if (outcome.late.length + outcome.onTime.length + outcome.reminders > 0) logger.info(outcome, 'alerts raised');
  return outcome;
}
