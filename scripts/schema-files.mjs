// Which file in schemas/ holds each kind's JSON Schema (the file names are also how the schemas refer to each
// other), and the combined schema's file: one table for the generators (scripts/gen-validators.mjs,
// scripts/gen-config-docs.mjs) and the tests (test/helpers/schemas.ts).
export const KIND_SCHEMA_FILES = Object.freeze({
  Retention: 'retention.schema.json',
  Notifier: 'notifier.schema.json',
  ObjectStore: 'objectstore.schema.json',
  BackupServer: 'backupserver.schema.json',
  Node: 'node.schema.json',
  Backup: 'backup.schema.json',
  Snapshot: 'snapshot.schema.json',
  Restore: 'restore.schema.json',
});

export const COMBINED_SCHEMA_FILE = 'pgbackops.schema.json';
