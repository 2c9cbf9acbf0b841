// Ingests the local spool into the catalog exactly once: upsert by run id, then remove the file. A record
// the catalog rejects (bad data, not an outage) goes to quarantine with the reason instead of being retried
// forever; an outage stops the pass and leaves the rest for the next one.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RestoreStore } from '../adapters/catalog/restore-store.js';
import type { RunStore } from '../adapters/catalog/run-store.js';
import type { Logger } from '../adapters/logger.js';
import { listSpool, quarantine, removeSpooled } from '../adapters/spool.js';
import type { RestoreRecord } from '../core/restore/restore-record.js';
import { restoreSpoolDir } from './restore-recorder.js';

export interface IngestOutcome {
  ingested: number;
  quarantined: number;
  /** Left in the spool because the catalog became unreachable. */
  remaining: number;
}

/** Backup run records (spool/*.json), then restore records (spool/restores/). */
export async function ingestSpool(stateDir: string, runs: RunStore, logger: Logger, restores: Pick<RestoreStore, 'upsertRestore'>): Promise<IngestOutcome> {
  const outcome = await ingestRuns(stateDir, runs, logger);
  if (outcome.remaining > 0) return outcome;
  const restored = await ingestRestores(stateDir, restores, logger);
  return {
    ingested: outcome.ingested + restored.ingested,
    quarantined: outcome.quarantined + restored.quarantined,
    remaining: restored.remaining,
  };
}

async function ingestRuns(stateDir: string, runs: RunStore, logger: Logger): Promise<IngestOutcome> {
  const spooled = await listSpool(stateDir);
  const outcome: IngestOutcome = { ingested: 0, quarantined: 0, remaining: 0 };
  for (let i = 0; i < spooled.length; i++) {
    const item = spooled[i]!;
    if (!item.record) {
      await quarantine(stateDir, item.path, `unreadable spool record: ${item.error}`);
      outcome.quarantined++;
      continue;
    }
    try {
      await runs.upsertRun(item.record);
    } catch (err) {
      if (isDataError(err)) {
        await quarantine(stateDir, item.path, `the catalog rejected the record: ${(err as Error).message}`);
        logger.error({ run: item.record.id, err: (err as Error).message }, 'spooled run record quarantined');
        outcome.quarantined++;
        continue;
      }
      outcome.remaining = spooled.length - i;
      logger.warn({ err: (err as Error).message, remaining: outcome.remaining }, 'catalog unreachable; spool ingest stopped');
      return outcome;
    }
    // Crash here: the next pass upserts the same id again, which changes nothing.
    await removeSpooled(item.path);
    outcome.ingested++;
  }
  return outcome;
}

/** Restore records, the same way: upsert by id (idempotent), then remove; bad data to quarantine. */
async function ingestRestores(stateDir: string, restores: Pick<RestoreStore, 'upsertRestore'>, logger: Logger): Promise<IngestOutcome> {
  const dir = restoreSpoolDir(stateDir);
  const names = await readdir(dir).then((n) => n.filter((f) => f.endsWith('.json') && !f.startsWith('.')).sort(), () => [] as string[]);
  const outcome: IngestOutcome = { ingested: 0, quarantined: 0, remaining: 0 };
  for (let i = 0; i < names.length; i++) {
    const path = join(dir, names[i]!);
    let record: RestoreRecord;
    try {
      record = JSON.parse(await readFile(path, 'utf8')) as RestoreRecord;
      if (typeof record.id !== 'string' || typeof record.targetNode !== 'string') throw new Error('missing id or targetNode');
    } catch (err) {
      await quarantine(stateDir, path, `unreadable spooled restore record: ${(err as Error).message}`);
      outcome.quarantined++;
      continue;
    }
    try {
      await restores.upsertRestore(record);
    } catch (err) {
      if (isDataError(err)) {
        await quarantine(stateDir, path, `the catalog rejected the restore record: ${(err as Error).message}`);
        outcome.quarantined++;
        continue;
      }
      outcome.remaining = names.length - i;
      logger.warn({ err: (err as Error).message, remaining: outcome.remaining }, 'catalog unreachable; spool ingest stopped');
      return outcome;
    }
    await removeSpooled(path);
    outcome.ingested++;
  }
  return outcome;
}

/** SQLSTATE classes 22 (data exception) and 23 (integrity violation): the record, not the connection, is bad. */
function isDataError(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' && (code.startsWith('22') || code.startsWith('23'));
}
