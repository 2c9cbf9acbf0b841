// What the engine needs from a schedule target: read what is there, converge it to a list of entries.
import type { ObservedSchedule, ScheduleEntry } from '../../core/schedule/entry.js';
import type { LineOptions } from '../../core/schedule/render.js';

export interface ScheduleTarget {
  /** For plans and logs, e.g. "cron.d file /etc/cron.d/pgbackops". */
  readonly description: string;
  /** The options the entries for this target must be built with (buildEntry), e.g. the cron.d user field. */
  readonly lineOptions: LineOptions;
  read(): Promise<ObservedSchedule>;
  /** Converge to exactly these entries (built with `lineOptions`); a no-op when already there. */
  write(entries: ScheduleEntry[]): Promise<void>;
}
