// The per-definition health list of /status, remembered between requests. Computing and serialising the
// health of 10,000 definitions on every request cost ~70 ms of CPU and, worse, ~10,000 objects per request
// that lived across the response's slices: the collector's pauses then held /healthz for 50-190 ms. A
// definition's line is computed again only when its inputs change:
// - its run statistics (read from the catalog on every request, so a run recorded by any process, cron's
//   jobs included, shows at once), compared field by field;
// - the clock passing the instant its health may change by time alone (healthChangesAt: its next firing, the
//   end of a start grace);
// - the definition itself: lines are remembered per definition object, and every converge pass replaces them.
// Slices whose lines all stayed the same are sent as the same bytes.
import { healthChangesAt, type HealthStateId, type RunSummary } from '../core/reports/definition-health.js';
import { ITEMS_PER_SLICE, JSON_LIST_SEPARATOR, yieldToEventLoop } from './http-server.js';
import type { MetricDefinition } from './metrics.js';
import { definitionStatus } from './status-document.js';

/** Lines computed between two turns of the event loop (a first request computes every one). */
const COMPUTED_PER_TURN = 1000;

interface RememberedLine {
  runs: RunSummary | undefined;
  /** The line holds for instants in [from, until). */
  from: number;
  until: number;
  state: HealthStateId;
  /** The item's JSON text. */
  line: string;
}

export interface HealthListPart {
  /** Definitions per health state. */
  summary: Partial<Record<HealthStateId, number>>;
  /** The list as http-server.ts's JsonWithList slices. */
  slices: Buffer[];
}

export class StatusHealthList {
  private readonly remembered = new WeakMap<MetricDefinition, RememberedLine>();
  private slices: Array<{ lines: string[]; body: Buffer }> = [];

  constructor(private readonly perSlice = ITEMS_PER_SLICE) {}

  async read(definitions: readonly MetricDefinition[], stats: ReadonlyMap<string, RunSummary>, now: number): Promise<HealthListPart> {
    const summary: Partial<Record<HealthStateId, number>> = {};
    const lines: string[] = new Array<string>(definitions.length);
    let computed = 0;
    for (let i = 0; i < definitions.length; i++) {
      const d = definitions[i]!;
      const runs = stats.get(d.name);
      let r = this.remembered.get(d);
      if (r === undefined || now < r.from || now >= r.until || !sameRuns(r.runs, runs)) {
        if (++computed % COMPUTED_PER_TURN === 0) await yieldToEventLoop();
        r = lineOf(d, runs, now);
        this.remembered.set(d, r);
      }
      summary[r.state] = (summary[r.state] ?? 0) + 1;
      lines[i] = r.line;
    }
    const next: Array<{ lines: string[]; body: Buffer }> = [];
    for (let start = 0, k = 0; start < lines.length; start += this.perSlice, k++) {
      const part = lines.slice(start, start + this.perSlice);
      const before = this.slices[k];
      const same = before !== undefined && before.lines.length === part.length && before.lines.every((line, j) => line === part[j]);
      next.push(same ? before : { lines: part, body: Buffer.from(part.join(JSON_LIST_SEPARATOR)) });
    }
    this.slices = next;
    return { summary, slices: next.map((s) => s.body) };
  }
}

function lineOf(d: MetricDefinition, runs: RunSummary | undefined, now: number): RememberedLine {
  const { state, item } = definitionStatus(d, runs, now);
  return { runs, from: now, until: healthChangesAt(d, now), state, line: JSON.stringify(item) };
}

/** The fields health and the line are made of. */
function sameRuns(a: RunSummary | undefined, b: RunSummary | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.lastStartedAt === b.lastStartedAt && a.lastStatus === b.lastStatus && a.lastSuccessAt === b.lastSuccessAt
    && a.lastFailureAt === b.lastFailureAt && a.lastVerdict === b.lastVerdict;
}
