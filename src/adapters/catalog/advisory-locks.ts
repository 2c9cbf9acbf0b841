// Advisory lock keys of the catalog database. The two-int form keeps pgbackops' locks in their own namespace
// (first key) so they cannot collide with another application's single-bigint advisory locks.

/** "pbop" as a 32-bit integer. */
export const PGBACKOPS_LOCK_CLASS = 0x70626f70;

export const LockKey = {
  /** Held while running schema migrations. */
  migrations: 1,
  /** Held by the one process applying configuration to the catalog (withApplyLock). */
  apply: 2,
} as const;
