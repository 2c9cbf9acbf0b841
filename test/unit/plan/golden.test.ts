// Golden plans: fixture directories (configuration before/after, catalog facts) -> the exact text and JSON
// a user sees. Regenerate with UPDATE_GOLDEN=1 after an intended change, and review the diff.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { validateConfig, type ConfigFile } from '../../../src/core/config/validate.js';
import type { DesiredConfig } from '../../../src/core/model.js';
import { actualOf } from './fixtures.js';
import { makePlan } from '../../../src/core/plan/make-plan.js';
import { DEFAULT_PLAN_OPTIONS } from '../../../src/core/plan/types.js';
import { planToJson } from '../../../src/core/render/plan-json.js';
import { renderPlanText } from '../../../src/core/render/plan-text.js';
import { plainStyle } from '../../../src/core/render/style.js';
import { parseCronDFile } from '../../../src/core/schedule/parse.js';
import { renderCronDFile } from '../../../src/core/schedule/render.js';
import { scheduleEntriesOfServer } from '../../../src/core/schedule/server-entries.js';

const root = fileURLToPath(new URL('../../fixtures/plans/', import.meta.url));
const line = { binary: '/usr/local/bin/pgbackops', stateDir: '/var/lib/pgbackops', user: 'root', server: 'backup01' };

interface Case {
  server: string;
  backupCounts?: Record<string, number>;
  emptyCatalog?: boolean;
  afterIsBefore?: boolean;
  editCron?: boolean;
}

function load(dir: string): DesiredConfig {
  const files: ConfigFile[] = readdirSync(dir).sort().map((f) => ({ path: f, text: readFileSync(join(dir, f), 'utf8') }));
  const result = validateConfig(files);
  expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return result.config!;
}

function golden(path: string, actual: string): void {
  if (process.env.UPDATE_GOLDEN || !existsSync(path)) writeFileSync(path, actual);
  expect(actual).toBe(readFileSync(path, 'utf8'));
}

describe('golden plans', () => {
  for (const name of readdirSync(root).sort()) {
    it(name, () => {
      const dir = join(root, name);
      const c = JSON.parse(readFileSync(join(dir, 'case.json'), 'utf8')) as Case;
      const before = c.emptyCatalog ? [] : actualOf(load(join(dir, 'before')).objects);
      const after = load(join(dir, c.afterIsBefore ? 'before' : 'after'));

      // The schedule as the previous apply left it, optionally edited by hand.
      let cron = before.length > 0 ? renderCronDFile(scheduleEntriesOfServer(before, c.server, line), { ...line, pathEnv: '/usr/bin:/bin' }) : '';
      if (c.editCron) {
        const lines = cron.split('\n');
        const edited = lines.findIndex((l) => l.includes('pgbackops:orders-nightly:'));
        lines[edited] = lines[edited]!.replace(/^41 1 /, '0 12 ');
        cron = lines.filter((l) => !l.includes('pgbackops:orders-archive:')).join('\n');
      }
      const observed = cron ? parseCronDFile(cron) : { entries: [], contentHash: '', present: false };

      const plan = makePlan(after, { catalogVersion: 7, objects: before, backupCounts: c.backupCounts ?? {} },
        { server: c.server, target: 'cron.d file /etc/cron.d/pgbackops', observed, line }, DEFAULT_PLAN_OPTIONS);
      golden(join(dir, 'plan.txt'), renderPlanText(plan, plainStyle));
      golden(join(dir, 'plan.json'), JSON.stringify(planToJson(plan, '0.0.0-test'), null, 2) + '\n');
    });
  }
});
