// What to do about a failure, by its reason: the next step printed with an error and listed in
// docs/errors.md ("Why a run failed"; a unit test keeps the two in step). Pure.
import type { FailureReason } from './dump/classify-failure.js';

/** Reasons a run is recorded with: the classified failures plus the two statuses that are not failures. */
export type RunOutcomeReason = FailureReason | 'overlap' | 'abandoned';

export const RUN_FAILURE_ADVICE: Readonly<Record<RunOutcomeReason, string>> = {
  'cannot-connect': 'check that the node runs and accepts connections at its host/port (or socket directory): `psql` from the backup server, as the job user, with the same settings; for "too many clients" raise max_connections or move the schedule',
  'auth-failed': 'give the password in the node\'s passfile (or the job user\'s ~/.pgpass, mode 0600), or allow the backup server in the node\'s pg_hba.conf; check that the role exists and may log in',
  'database-missing': 'check the name in the definition\'s `databases`; a database dropped on purpose is removed from the definition',
  'permission-denied': 'connect as a superuser or a member of pg_read_all_data (the node\'s `user`); for a file (EACCES, EPERM) make the backup root and the state directory writable by the job\'s OS user',
  'disk-full': 'free space or grow the volume named in the detail; `pgbackops prune --dry-run` shows what retention would expire',
  'storage-error': 'fix the path named in the detail (a stray file where a directory belongs, a read-only mount, a failing disk)',
  'tool-too-old': 'install the client tools of the server\'s major version (Debian: postgresql-client-NN) or point the BackupServer\'s `pgBinDirs` at them',
  timeout: 'raise the definition\'s `timeout`, or make the dump faster (`format: directory` with `jobs`, lighter `compression`)',
  killed: 'find who stopped it (the kernel\'s OOM killer: `journalctl -k`; pg_terminate_backend: the node\'s server log), then run it again with `pgbackops backup now NAME`',
  interrupted: 'nothing to repair (it was stopped on purpose and cleaned up); run it again with `pgbackops backup now NAME` if needed',
  'dump-error': 'read the detail and the run log (`pgbackops show ID`): it is the dump tool\'s own error',
  'verify-failed': 'the backup tool finished but its output failed its own check (the tars against backup_manifest): read the run log (`pgbackops show ID`), check the backup root\'s disk, and run the backup again',
  'encrypt-error': 'install age on the backup server (Debian: `apt-get install age`) for the job user\'s PATH, and check the recipients of the definition (`pgbackops validate`); the detail is age\'s own error',
  'job-error': 'read the detail and the run log (`pgbackops show ID`); run again with `--log-level debug`, and report it if it is a pgbackops bug',
  overlap: 'the previous run was still going: space the schedule further apart or make the dump faster',
  abandoned: 'find why the process died (OOM killer, reboot: `journalctl`); what it left was already cleaned up',
};

/** The next step for a catalog that cannot be opened, by the reason its error classifies as. */
export function catalogFailureAdvice(reason: FailureReason, local: boolean): string {
  if (local) {
    return 'see the local catalog\'s log, <state dir>/catalog/postgres.log; `pgbackops catalog stop` and run the command again, or pass --catalog URL to use a central catalog';
  }
  switch (reason) {
    case 'cannot-connect':
      return 'check that the catalog\'s PostgreSQL runs and accepts connections there, and that --catalog / PGBACKOPS_CATALOG_URL names it';
    case 'auth-failed':
      return 'give the catalog role\'s password in ~/.pgpass or PGPASSFILE (mode 0600), or allow this machine in the catalog server\'s pg_hba.conf';
    case 'database-missing':
      return 'create the database (`createdb -O ROLE NAME` on the catalog server; pgbackops creates its tables itself) or name an existing one in --catalog';
    case 'permission-denied':
      return 'the catalog role must own the catalog database (or have CREATE on it): pgbackops creates and migrates its own tables';
    default:
      return 'run the command again with --log-level debug to see each step';
  }
}
