// The local catalog of a benchmark's state directory (started if it is not running), as a connected client:
// for the benchmarks that seed runs straight into the catalog, which whole commands would take hours to record.
export async function openLocalCatalog(stateDir) {
  const { ensureLocalCatalog } = await import('../dist/adapters/catalog/local-catalog.js');
  const pg = (await import('pg')).default;
  const client = new pg.Client(await ensureLocalCatalog(stateDir));
  await client.connect();
  return client;
}

/** `fn` with a client of the state directory's local catalog, closed after. */
export async function withLocalCatalog(stateDir, fn) {
  const client = await openLocalCatalog(stateDir);
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * `runsPerDefinition` succeeded runs of every definition of server backup01 (examples/fleet), one at 01:30 UTC
 * on each of the last days, today's first: every pass over them sees the same calendar days. Each a few MiB
 * (what `status` sums as kept bytes). One statement per day: a statement's transition table (the kept-bytes
 * triggers, migration 029) holds one run per definition, not millions.
 */
export async function seedNightlyRuns(client, runsPerDefinition) {
  for (let day = 0; day < runsPerDefinition; day++) {
    await client.query(`
      insert into pgbackops.backup_runs (definition, node, backup_server, database, backup_type, format, status, started_at, finished_at, bytes, retention, timezone)
      select d.name, d.spec->>'node', 'backup01', 'app', 'full', 'custom', 'succeeded',
             date_trunc('day', now()) + interval '90 minutes' - make_interval(days => $1),
             date_trunc('day', now()) + interval '95 minutes' - make_interval(days => $1),
             (1 << 22) + length(d.name) * 4096 + $1,
             coalesce(r.spec, d.spec->'retention'), 'UTC'
        from pgbackops.definitions d
        left join pgbackops.retentions r on r.name = d.spec->>'retention'`, [day]);
  }
}
