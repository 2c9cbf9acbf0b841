// A schedule entry: one managed job line on a backup server, as pgbackops wants it or as it was read back.

export interface ScheduleEntry {
  /** Definition (Backup) name: validated [a-z0-9-], safe in a cron line and a path. */
  name: string;
  /** Five cron fields, H already resolved. */
  schedule: string;
  /** IANA timezone the schedule is read in. */
  timezone: string;
  /** Short content hash of what the line does; carried in the line's marker. */
  hash: string;
}

/** An entry as found in a schedule target, with what the parser noticed about it. */
export interface ObservedEntry extends ScheduleEntry {
  /** The marker hash does not match the line's content: someone edited it by hand. */
  edited: boolean;
  /** The exact text found, for the diff. */
  raw: string;
}

export interface ObservedSchedule {
  entries: ObservedEntry[];
  /** sha256 of the whole managed content (file or block) as read; used to detect a stale saved plan. */
  contentHash: string;
  /** The managed file/block exists at all. */
  present: boolean;
  /**
   * What is wrong with the managed content besides its entries: unknown lines inside it, changed settings,
   * a wrong file mode or owner. Described in words; a write fixes all of them, so a non-empty list means the
   * target needs a write even when every entry matches. Absent means none were looked for.
   */
  problems?: string[];
}
