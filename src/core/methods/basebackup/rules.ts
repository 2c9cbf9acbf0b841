// The basebackup method (pg_basebackup of the whole cluster, recovered with the node's WAL archive), as the
// configuration loader and retention see it. Its I/O is in src/methods/basebackup/.
import type { DumpInput } from '../../config/input.js';
import type { MethodRules } from '../method-rules.js';
import { BASEBACKUP_FIELDS, normaliseBasebackupOptions } from './options.js';
import { basebackupServerFindings, basebackupSpecFindings } from './spec-rules.js';

export const BASEBACKUP_RULES: MethodRules = {
  name: 'basebackup',
  prerequisites: [
    { name: 'connection', description: "the backup server connects to the node's maintenance database with the Node's libpq settings" },
    { name: 'replication role', description: 'the Node\'s user has REPLICATION (or is a superuser): pg_basebackup copies the cluster over a replication connection' },
    { name: 'wal_level', description: 'wal_level is replica or logical on the node: with minimal, a base backup cannot be taken' },
    { name: 'max_wal_senders', description: 'max_wal_senders leaves free WAL senders: pg_basebackup --wal-method=stream uses two at once' },
    { name: 'replication connection', description: 'pg_hba.conf lets the Node\'s user make a replication connection from the backup server (tested by connecting with replication=true)' },
    { name: 'pg_basebackup', description: "pg_basebackup of the node's major version or newer on the backup server (pgBinDirs, else PATH)" },
    { name: 'pg_verifybackup', description: 'pg_verifybackup: `pgbackops verify` checks a backup\'s backup_manifest with it' },
    { name: 'wal archive', description: "the node's WAL reaches <backupRoot>/<node>/_wal/ on the backup server (archive_mode and archive_command, or a WAL receiver): point-in-time recovery replays it" },
  ],
  fields: BASEBACKUP_FIELDS,
  specFindings: (spec: DumpInput) => basebackupSpecFindings(spec),
  serverFindings: (spec, server, defaultPgDumpVersion) =>
    basebackupServerFindings(spec, server ? (server.pgDumpVersion ?? defaultPgDumpVersion) : undefined, server?.pgDumpVersion !== undefined),
  normaliseOptions: (spec) => normaliseBasebackupOptions(spec),
  // A physical backup holds every database of the cluster.
  covers: () => true,
  // The WAL range and the rest are known once pg_basebackup has run.
  runFacts: () => ({ method: 'basebackup', backupType: null, format: null, pgDumpVersion: null, methodFacts: null }),
  // A base backup restores to its end on its own (its WAL is streamed into it). What the WAL archive must keep
  // for point-in-time recovery from it is the archive's retention, not a dependency between backups.
  retention: { kind: 'standalone' },
  restoresInto: 'directory',
};
