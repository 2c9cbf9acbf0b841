// The per-definition health list of /status, remembered between requests. Computing and serialising the
// health of 10,000 definitions on every request cost ~70 ms of CPU and, worse, ~10,000 objects per request
// that lived across the response's slices: the collector's pauses then held /healthz for 50-190 ms. A
// definition's line is computed again only when its inputs change:
// - its run statistics (read from the catalog on every request, so a run recorded by any process, cron's
//   jobs included, shows at once), compared field by field;
// - the clock passing the instant its health may change by time alone (healthChangesAt: its next firing, the
//   end of a start grace);
// - the definition itself: lines are remembered per definition object, and every converge pass replaces them.
// Only one page of the lines is sent (status-order.ts: problems first, `?limit=&after=&state=`); the counts
// per state are of every definition.
import { definitionHealth, healthChangesAt, healthStateId, type HealthStateId, type RunSummary } from '../core/reports/definition-health.js';
import { statusPage, statusRank, STATUS_ORDER, type StatusKey, type StatusPageRequest } from '../core/reports/status-order.js';
import { ITEMS_PER_SLICE, JSON_LIST_SEPARATOR, yieldToEventLoop } from './http-server.js';
import type { MetricDefinition } from './metrics.js';
import { definitionStatus } from './status-document.js';

/** Lines computed between two turns of the event loop (a first request computes every one). */
const COMPUTED_PER_TURN = 1000;

interface RememberedLine extends StatusKey {
  definition: MetricDefinition;
  runs: RunSummary | undefined;
  /** The line holds for instants in [from, until). */
  from: number;
  until: number;
  /**
   * The item's JSON text, made when the definition is first on a page (the same at any instant of the
   * window): at 100,000 definitions, serialising every line each minute cost seconds for a page of 1,000.
   */
  line: string | null;
}

export interface HealthListPart {
  /** Definitions per health state, all of them. */
  summary: Partial<Record<HealthStateId, number>>;
  /** The page's items as http-server.ts's JsonWithList slices. */
  slices: Buffer[];
  /** The last listed definition when more follow. */
  nextAfter: StatusKey | null;
}

export class StatusHealthList {
  private readonly remembered = new WeakMap<MetricDefinition, RememberedLine>();
  /** Each list of definitions by name, sorted once per list (every converge pass replaces the list). */
  private readonly byName = new WeakMap<readonly MetricDefinition[], MetricDefinition[]>();

  constructor(private readonly perSlice = ITEMS_PER_SLICE) {}

  /**
   * The counts of every definition and one page of them in status-order.ts's order (problems first): at
   * 100,000 definitions the whole list was a 25 MB body per request.
   */
  async read(definitions: readonly MetricDefinition[], stats: ReadonlyMap<string, RunSummary>, now: number, page: StatusPageRequest): Promise<HealthListPart> {
    const summary: Partial<Record<HealthStateId, number>> = {};
    // One bucket per state, each in name order: together the listing's order, without sorting per request.
    const buckets: RememberedLine[][] = STATUS_ORDER.map(() => []);
    let computed = 0;
    for (const d of this.sortedByName(definitions)) {
      const runs = stats.get(d.name);
      let r = this.remembered.get(d);
      if (r === undefined || now < r.from || now >= r.until || !sameRuns(r.runs, runs)) {
        if (++computed % COMPUTED_PER_TURN === 0) await yieldToEventLoop();
        r = lineOf(d, runs, now);
        this.remembered.set(d, r);
      }
      summary[r.state] = (summary[r.state] ?? 0) + 1;
      buckets[statusRank(r.state)]!.push(r);
    }
    const { items, nextAfter } = statusPage(buckets.flat(), page);
    const slices: Buffer[] = [];
    for (let start = 0; start < items.length; start += this.perSlice) {
      slices.push(Buffer.from(items.slice(start, start + this.perSlice).map((r) => (r.line ??= JSON.stringify(definitionStatus(r.definition, r.runs, now).item))).join(JSON_LIST_SEPARATOR)));
    }
    return { summary, slices, nextAfter };
  }

  private sortedByName(definitions: readonly MetricDefinition[]): readonly MetricDefinition[] {
    let sorted = this.byName.get(definitions);
    if (sorted === undefined) {
      sorted = [...definitions].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      this.byName.set(definitions, sorted);
    }
    return sorted;
  }
}

function lineOf(d: MetricDefinition, runs: RunSummary | undefined, now: number): RememberedLine {
  const state = healthStateId(definitionHealth(d, runs, now).state);
  return { name: d.name, definition: d, runs, from: now, until: healthChangesAt(d, now), state, line: null };
}

/** The fields health and the line are made of. */
function sameRuns(a: RunSummary | undefined, b: RunSummary | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.lastStartedAt === b.lastStartedAt && a.lastStatus === b.lastStatus && a.lastSuccessAt === b.lastSuccessAt
    && a.lastFailureAt === b.lastFailureAt && a.lastVerdict === b.lastVerdict;
}
