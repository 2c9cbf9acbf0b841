// A PgBackMan catalog for import tests: the tables and columns pgbackops reads, with the shapes of
// PgBackMan's published SQL (sql/pgbackman.sql, and pgbackman_2.sql's pg_dump_release columns), written
// for the test, and PgBackMan's own retention view (get_cron_catalog_entries_to_delete_by_retention) so a
// test can ask PgBackMan itself which backups its retention deletes. Filled with two backup servers, three
// nodes, definitions of every backup code, snapshots, restores, and a backup catalog whose dumps exist on
// disk (directory archives for databases, .sql.gz files for clusters), except one that is missing.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type pg from 'pg';

export const PGBACKMAN_SCHEMA = `
create table server_status (code varchar(20) primary key, description text);
create table backup_code (code varchar(20) primary key, description text);
create table job_definition_status (code varchar(20) primary key, description text);
create table job_execution_status (code varchar(20) primary key, description text);
create table at_definition_status (code varchar(20) primary key, description text);
insert into server_status values ('RUNNING', ''), ('STOPPED', '');
insert into backup_code values ('FULL', ''), ('SCHEMA', ''), ('DATA', ''), ('CLUSTER', ''), ('CONFIG', ''), ('RDS', '');
insert into job_definition_status values ('ACTIVE', ''), ('STOPPED', ''), ('DELETED', '');
insert into job_execution_status values ('SUCCEEDED', ''), ('ERROR', ''), ('WARNING', '');
insert into at_definition_status values ('WAITING', ''), ('DEFINED', ''), ('ERROR', '');

create table backup_server (
  server_id serial not null unique,
  registered timestamptz not null default now(),
  hostname text not null,
  domain_name text not null,
  status varchar(20) default 'RUNNING' not null references server_status (code),
  remarks text,
  primary key (hostname, domain_name));

create table pgsql_node (
  node_id bigserial not null unique,
  registered timestamptz not null default now(),
  hostname text not null,
  domain_name text not null,
  pgport integer default '5432' not null,
  admin_user text default 'postgres' not null,
  pg_version varchar(5),
  status varchar(20) default 'STOPPED' not null references server_status (code),
  remarks text,
  primary key (hostname, domain_name, pgport));

create table backup_server_default_config (parameter text primary key, value text not null, description text);
create table pgsql_node_default_config (parameter text primary key, value text not null, description text);
create table backup_server_config (
  server_id integer not null references backup_server (server_id), parameter text not null, value text not null, description text,
  primary key (server_id, parameter));
create table pgsql_node_config (
  node_id bigint not null references pgsql_node (node_id), parameter text not null, value text not null, description text,
  primary key (node_id, parameter));

create table backup_definition (
  def_id bigserial unique,
  registered timestamptz not null default now(),
  backup_server_id integer not null references backup_server (server_id),
  pgsql_node_id integer not null references pgsql_node (node_id),
  dbname text not null,
  minutes_cron varchar(255) default '*',
  hours_cron varchar(255) default '*',
  day_month_cron varchar(255) default '*',
  month_cron varchar(255) default '*',
  weekday_cron varchar(255) default '*',
  backup_code varchar(10) not null references backup_code (code),
  encryption boolean default false not null,
  retention_period interval default '7 days'::interval not null,
  retention_redundancy integer default 1 not null,
  extra_backup_parameters text default '',
  job_status varchar(20) not null references job_definition_status (code),
  remarks text,
  primary key (backup_server_id, pgsql_node_id, dbname, minutes_cron, hours_cron, day_month_cron, month_cron, weekday_cron, backup_code, extra_backup_parameters));

create table snapshot_definition (
  snapshot_id bigserial unique,
  registered timestamptz not null default now(),
  backup_server_id integer not null references backup_server (server_id),
  pgsql_node_id integer not null references pgsql_node (node_id),
  dbname text not null,
  at_time timestamptz not null default now(),
  backup_code varchar(10) not null references backup_code (code),
  encryption boolean default false not null,
  retention_period interval default '7 days'::interval not null,
  extra_backup_parameters text default '',
  status text default 'WAITING' references at_definition_status (code),
  remarks text,
  pg_dump_release text default null,
  primary key (backup_server_id, pgsql_node_id, dbname, at_time, backup_code, extra_backup_parameters));

create table backup_catalog (
  bck_id bigserial primary key,
  registered timestamptz not null default now(),
  def_id bigint default null references backup_definition (def_id),
  snapshot_id bigint default null references snapshot_definition (snapshot_id),
  procpid integer,
  backup_server_id integer not null references backup_server (server_id),
  pgsql_node_id integer not null references pgsql_node (node_id),
  dbname text not null,
  started timestamptz,
  finished timestamptz,
  duration interval,
  pg_dump_file text,
  pg_dump_file_size bigint,
  pg_dump_log_file text,
  pg_dump_roles_file text,
  pg_dump_roles_file_size bigint,
  pg_dump_roles_log_file text,
  pg_dump_dbconfig_file text,
  pg_dump_dbconfig_file_size bigint,
  pg_dump_dbconfig_log_file text,
  global_log_file text not null,
  execution_status text references job_execution_status (code),
  execution_method text,
  error_message text,
  role_list text[],
  pgsql_node_release text,
  pg_dump_release text,
  checksum text,
  dbname_size bigint);

create table restore_definition (
  restore_def bigserial unique,
  registered timestamptz not null default now(),
  bck_id bigint not null references backup_catalog (bck_id),
  roles_to_restore text[],
  backup_server_id integer not null references backup_server (server_id),
  target_pgsql_node_id integer not null references pgsql_node (node_id),
  target_dbname text not null,
  renamed_dbname text,
  extra_restore_parameters text,
  at_time timestamptz not null default now(),
  status text default 'WAITING' references at_definition_status (code),
  error_message text,
  remarks text,
  primary key (target_pgsql_node_id, target_dbname, at_time));

create table restore_catalog (
  restore_id bigserial primary key,
  registered timestamptz not null default now(),
  restore_def bigint default null references restore_definition (restore_def),
  procpid integer,
  backup_server_id integer not null references backup_server (server_id),
  target_pgsql_node_id integer not null references pgsql_node (node_id),
  source_dbname text not null,
  target_dbname text not null,
  renamed_dbname text,
  started timestamptz,
  finished timestamptz,
  duration interval,
  restore_log_file text,
  global_log_file text not null,
  execution_status text references job_execution_status (code),
  error_message text,
  role_list text[],
  target_pgsql_node_release text,
  backup_pg_release text);

-- PgBackMan's own retention (sql/pgbackman.sql): what pgbackman_maintenance deletes.
create view get_cron_catalog_entries_to_delete_by_retention as
with all_backup_jobs_catalog as (
  select row_number() over (partition by a.def_id order by a.def_id, a.finished desc) as row_id,
         a.bck_id, a.def_id, a.finished, b.retention_period, b.retention_redundancy
    from backup_catalog a join backup_definition b on a.def_id = b.def_id)
select * from all_backup_jobs_catalog
 where finished < now() - retention_period and row_id > retention_redundancy;

create view get_at_catalog_entries_to_delete_by_retention as
select a.bck_id, a.snapshot_id, a.finished, b.retention_period
  from backup_catalog a join snapshot_definition b on a.snapshot_id = b.snapshot_id
 where a.finished < now() - b.retention_period;
`;

export interface PgbackmanFixture {
  /** root_backup_partition of backup servers 1 and 2. */
  roots: Record<number, string>;
  /** bck_ids of backups whose dump was never written to disk. */
  missing: number[];
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * Creates and fills the catalog in `client`'s database. Backup times are relative to `now`, so PgBackMan's
 * view (which uses now()) and pgbackops' prune (Date.now()) judge the same ages.
 */
export async function createPgbackmanCatalog(client: pg.Client, filesRoot: string, now: number): Promise<PgbackmanFixture> {
  const roots = { 1: join(filesRoot, 'pgbackup01'), 2: join(filesRoot, 'pgbackup02') };
  await client.query(PGBACKMAN_SCHEMA);
  await client.query(`
    insert into backup_server_default_config (parameter, value) values
      ('root_backup_partition', '/srv/pgbackman'), ('pgsql_bin_10', '/usr/pgsql-10/bin'), ('pgsql_bin_9_6', '/usr/pgsql-9.6/bin');
    insert into pgsql_node_default_config (parameter, value) values
      ('logs_email', 'example@example.org'), ('extra_restore_parameters', ''), ('pgnode_backup_partition', '/srv/pgbackman/pgsql_node_%%pgnode%%');
    insert into backup_server (server_id, hostname, domain_name, status, remarks) values
      (1, 'pgbackup01', 'example.org', 'RUNNING', 'main backup server'),
      (2, 'pgbackup02', 'example.org', 'STOPPED', null);
    insert into pgsql_node (node_id, hostname, domain_name, pgport, admin_user, status, remarks) values
      (1, 'pg-node01', 'example.org', 5432, 'postgres', 'RUNNING', 'orders cluster'),
      (2, 'pg-node02', 'example.org', 5433, 'pgadmin', 'STOPPED', null),
      (3, 'pg-node03', 'example.org', 5432, 'postgres', 'RUNNING', null);`);
  await client.query(
    `insert into backup_server_config (server_id, parameter, value) values
       (1, 'root_backup_partition', $1), (1, 'pgsql_bin_10', '/usr/pgsql-10/bin'), (1, 'pgsql_bin_16', '/usr/lib/postgresql/16/bin'),
       (1, 'pgsql_bin_9_6', '/opt/pg96/bin'), (2, 'root_backup_partition', $2)`,
    [roots[1], roots[2]],
  );
  await client.query(
    `insert into pgsql_node_config (node_id, parameter, value) values
       (1, 'pgnode_backup_partition', $1), (1, 'logs_email', 'dba@example.org'), (1, 'extra_restore_parameters', ''),
       (2, 'pgnode_backup_partition', $2), (2, 'logs_email', 'example@example.org')`,
    [join(roots[1], 'pgsql_node_1'), join(roots[1], 'pgsql_node_2')],
  );
  // Every backup code; a STOPPED, a DELETED, an RDS and a CONFIG definition; extra parameters that map,
  // pass through, or cannot be passed; a node backed up by two servers (1 and 2).
  await client.query(`
    insert into backup_definition (def_id, backup_server_id, pgsql_node_id, dbname, minutes_cron, hours_cron, day_month_cron, month_cron, weekday_cron,
                                   backup_code, retention_period, retention_redundancy, extra_backup_parameters, job_status, remarks) values
      (1, 1, 1, 'app',      '41', '01', '*', '*', '*',   'FULL',    '7 days',  1, '',  'ACTIVE', 'nightly app dump'),
      (2, 1, 1, 'app',      '00', '*/6', '*', '*', '*',  'SCHEMA',  '2 days',  3, '',  'ACTIVE', null),
      (3, 1, 1, 'Sales Db', '30', '02', '*', '*', '1-5', 'DATA',    '1 mon',   2, '--exclude-table=audit.* -j 2 --lock-wait-timeout=30s -h other.example.org', 'STOPPED', null),
      (4, 1, 1, '',         '15', '03', '*', '*', '0',   'CLUSTER', '14 days', 1, '',  'ACTIVE', null),
      (5, 1, 2, 'reports',  '10', '04', '*', '*', '*',   'RDS',     '7 days',  1, '',  'ACTIVE', null),
      (6, 2, 1, 'app',      '50', '05', '*', '*', '*',   'FULL',    '36:00:00', 2, '', 'ACTIVE', 'off-site copy'),
      (7, 1, 1, 'old',      '00', '01', '*', '*', '*',   'FULL',    '7 days',  1, '',  'DELETED', null),
      (8, 1, 2, '',         '00', '05', '*', '*', '*',   'CONFIG',  '7 days',  1, '',  'ACTIVE', null);
    select setval('backup_definition_def_id_seq', 8);`);
  await client.query(
    `insert into snapshot_definition (snapshot_id, backup_server_id, pgsql_node_id, dbname, at_time, backup_code, retention_period, status, remarks, pg_dump_release) values
       (1, 1, 1, 'app', $1, 'FULL', '30 days', 'DEFINED', 'before the upgrade', null),
       (2, 1, 1, 'app', $2, 'SCHEMA', '7 days', 'WAITING', null, '15')`,
    [new Date(now - 10 * DAY).toISOString(), new Date(Math.floor((now + 10 * DAY) / 60_000) * 60_000).toISOString()],
  );

  const missing: number[] = [];
  let bck = 0;
  const backup = async (o: { def?: number; snap?: number; server: number; node: number; db: string; startedAgo: number; status?: string; file?: 'missing' | 'none' }) => {
    const id = ++bck;
    const started = now - o.startedAgo;
    const finished = started + 90_000;
    const stamp = new Date(started).toISOString().replace(/[-:]/g, '').slice(0, 15);
    const nodeDir = join(roots[o.server as 1 | 2], `pgsql_node_${o.node}`);
    const cluster = o.db === '';
    const name = cluster ? `CLUSTER-pg-node0${o.node}.example.org-v15_0-defid${o.def}-cCLUSTER-${stamp}` : `${o.db}-pg-node0${o.node}.example.org-v15_0-${o.snap ? `snapid${o.snap}` : `defid${o.def}`}-c-${stamp}`;
    const dump = o.file === 'none' ? 'None' : join(nodeDir, 'dump', cluster ? `${name}.sql.gz` : `${name}-DATABASE.sql`);
    const roles = cluster ? 'None' : join(nodeDir, 'dump', `${name}-USERS.sql`);
    const log = join(nodeDir, 'log', `${name}-DATABASE.log`);
    const status = o.status ?? 'SUCCEEDED';
    if (o.file === 'missing') missing.push(id);
    else if (o.file !== 'none') {
      if (cluster) writeFile(dump, 'gzip');
      else {
        writeFile(join(dump, 'toc.dat'), 'toc');
        writeFile(join(dump, '3001.dat.gz'), 'data');
      }
      if (!cluster) writeFile(roles, '-- roles');
      writeFile(log, 'log');
    }
    await client.query(
      `insert into backup_catalog (bck_id, def_id, snapshot_id, backup_server_id, pgsql_node_id, dbname, started, finished, duration, pg_dump_file, pg_dump_file_size,
                                   pg_dump_log_file, pg_dump_roles_file, pg_dump_roles_file_size, global_log_file, execution_status, execution_method, error_message,
                                   pgsql_node_release, pg_dump_release)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $8::timestamptz - $7::timestamptz, $9, $10, $11, $12, $13, '/var/log/pgbackman/pgbackman.log', $14, $15, $16, '15.4', '15.4')`,
      [id, o.def ?? null, o.snap ?? null, o.server, o.node, o.db, new Date(started).toISOString(), new Date(finished).toISOString(),
        dump, status === 'ERROR' ? 0 : 7, log, roles, cluster ? 0 : 8, status, o.snap ? 'AT' : 'CRON', status === 'ERROR' ? 'pg_dump returncode: 1. Check log file.' : null],
    );
    return id;
  };
  // def 1 (FULL, 7 days, redundancy 1): one a day for 12 days; day 3 also failed once; day 11's dump is gone.
  for (let day = 1; day <= 12; day++) await backup({ def: 1, server: 1, node: 1, db: 'app', startedAgo: day * DAY + 2 * HOUR, ...(day === 11 ? { file: 'missing' as const } : {}) });
  await backup({ def: 1, server: 1, node: 1, db: 'app', startedAgo: 3 * DAY + 1 * HOUR, status: 'ERROR', file: 'none' });
  // def 2 (SCHEMA, 2 days, redundancy 3): every 6 hours for 4 days, one WARNING.
  for (let i = 1; i <= 16; i++) await backup({ def: 2, server: 1, node: 1, db: 'app', startedAgo: i * 6 * HOUR, ...(i === 2 ? { status: 'WARNING' } : {}) });
  // def 4 (CLUSTER, 14 days): weekly for 5 weeks.
  for (let w = 1; w <= 5; w++) await backup({ def: 4, server: 1, node: 1, db: '', startedAgo: w * 7 * DAY });
  // def 6 on server 2 (36 hours, redundancy 2): daily for 4 days.
  for (let day = 1; day <= 4; day++) await backup({ def: 6, server: 2, node: 1, db: 'app', startedAgo: day * DAY + 5 * HOUR });
  // def 7 (DELETED): two old backups.
  for (let day = 20; day <= 21; day++) await backup({ def: 7, server: 1, node: 1, db: 'old', startedAgo: day * DAY });
  // The past snapshot's backup.
  const snapshotBackup = await backup({ snap: 1, server: 1, node: 1, db: 'app', startedAgo: 10 * DAY });
  await client.query(
    `insert into restore_definition (restore_def, bck_id, backup_server_id, target_pgsql_node_id, target_dbname, at_time, status) values
       (1, $1, 1, 1, 'app_restored', $2, 'DEFINED'), (2, $1, 1, 3, 'app_copy', $3, 'WAITING')`,
    [snapshotBackup, new Date(now - 9 * DAY).toISOString(), new Date(now + 5 * DAY).toISOString()],
  );
  await client.query(`
    insert into restore_catalog (restore_def, backup_server_id, target_pgsql_node_id, source_dbname, target_dbname, global_log_file, execution_status)
    values (1, 1, 1, 'app', 'app_restored', '/var/log/pgbackman/pgbackman.log', 'SUCCEEDED')`);
  return { roots, missing };
}

function writeFile(path: string, content: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
}
