// Every diagnostic code the configuration loader emits, with a one-line meaning. Codes are a public,
// stable contract (CI scripts grep for them); docs/errors.md explains each one and how to fix it, and a
// test keeps the two lists identical.

export const DIAGNOSTIC_CODES = {
  // Files and directory
  E_CONFIG_EMPTY: 'the configuration directory holds no YAML document',
  E_FILE_UNREADABLE: 'a configuration file or directory cannot be read',
  E_FILE_TOO_LARGE: 'a configuration file is larger than 4 MiB',
  E_FILE_BINARY: 'a configuration file contains a NUL byte',
  E_FILE_ENCODING: 'a configuration file is not valid UTF-8',
  E_SYMLINK_LOOP: 'a directory symlink points back to one of its parents',
  W_SYMLINK_DUPLICATE: 'a directory or file is reached twice through symlinks; the second path is skipped',
  // YAML
  E_YAML_SYNTAX: 'the YAML cannot be parsed',
  E_YAML_DUPLICATE_KEY: 'a mapping has the same key twice',
  E_YAML_ALIASES: 'anchors and aliases expand too much (alias bomb)',
  E_YAML_TOO_DEEP: 'lists and mappings are nested more than 64 levels deep',
  E_YAML_KEY_NOT_STRING: 'a mapping key is a list, a mapping, an alias or a tagged value rather than a string',
  W_YAML: 'the YAML parser warns about something (e.g. an unknown tag)',
  // Schema
  E_API_VERSION: 'apiVersion is missing or is not pgbackops/v1',
  E_KIND_UNKNOWN: 'kind is missing or is not BackupServer, Node, Retention, Backup, Snapshot, Restore, Notifier or ObjectStore',
  E_SCHEMA_TYPE: 'a value has the wrong type',
  E_SCHEMA_REQUIRED: 'a required field is missing',
  E_SCHEMA_UNKNOWN_FIELD: 'a field is not part of the schema (often a typo)',
  E_SCHEMA_ENUM: 'a value is not one of the allowed choices',
  E_SCHEMA_PATTERN: 'a string does not have the required form',
  E_SCHEMA_RANGE: 'a number, string length or list length is out of range',
  E_SCHEMA: 'any other schema violation',
  E_METHOD_UNKNOWN: 'a Backup or Snapshot names a backup method this version of pgbackops does not have',
  E_FIELD_NOT_FOR_METHOD: "a Backup or Snapshot sets a field of another backup method than its own",
  // Names and references
  E_NAME_INVALID: 'a name is not made of lowercase letters, digits and hyphens',
  E_DUPLICATE_NAME: 'two objects of the same kind (or a Backup and a Snapshot) have the same name',
  E_REF_UNKNOWN_SERVER: 'a Node refers to a BackupServer that is not defined (backupServer or walArchive.server)',
  E_REF_UNKNOWN_NODE: 'a Backup, Snapshot or Restore refers to a Node that is not defined',
  E_REF_UNKNOWN_RETENTION: 'a Backup (or an offsite entry) refers to a Retention that is not defined',
  E_WAL_SLOT_DUPLICATE: 'two Nodes archive the same PostgreSQL server through the same replication slot',
  E_REF_UNKNOWN_NOTIFIER: 'a BackupServer, Node or Backup refers to a Notifier that is not defined',
  E_REF_UNKNOWN_STORE: 'an offsite entry refers to an ObjectStore that is not defined',
  // Security
  E_SECRET_FIELD: 'a password or other secret is written in the configuration',
  E_EXTRA_ARG_FORBIDDEN: 'an extraArgs item would change the connection, the output or a managed option',
  E_PATH_INVALID: 'a path is not absolute, contains .. or a line break, or names the root',
  E_HOST_INVALID: 'a host is not a host name, an IP address or a socket directory',
  E_DATABASE_NAME_INVALID: 'a database name is empty or longer than 63 bytes',
  E_NUL_CHARACTER: 'a string or key contains a NUL character (an escape such as "\\0"), which PostgreSQL cannot store',
  E_UNPAIRED_SURROGATE: 'a string or key contains half a UTF-16 surrogate pair (an escape such as "\\uD800"), which PostgreSQL cannot store',
  // Encryption (docs/encryption.md)
  E_AGE_RECIPIENT_INVALID: 'an age recipient is not an age public key (age1...) or an ssh-ed25519 / ssh-rsa public key, or is listed twice',
  E_ENCRYPTION_UNSUPPORTED: 'encryption is asked for a backup whose method or format cannot be encrypted as it is written',
  // Scheduling
  E_CRON_INVALID: 'a schedule is not a valid 5-field cron expression',
  E_TIMEZONE_INVALID: 'a time zone is not a known IANA name',
  E_TZ_CRON_MISMATCH: "a Backup's time zone differs from its cron-scheduled server's time zone",
  E_SCHEDULER_FILE: 'the cron.d file name or path is not usable',
  E_SCHEDULER_OPTION: 'a scheduler option is given that the scheduler type does not use',
  // Dump options
  E_FORMAT_INVALID_FOR_TYPE: 'the dump format (or databases) does not fit the backup type',
  E_FILTER_INVALID_FOR_TYPE: 'schema/table filters are given for a cluster backup',
  E_JOBS_NEEDS_DIRECTORY: 'jobs > 1 without format: directory',
  E_COMPRESSION_UNSUPPORTED: 'the compression method or level is not supported here',
  W_EXCLUDE_IGNORED: 'exclude is given but databases is an explicit list',
  W_DATABASES_LIST_ALL: 'databases is the list [all] rather than the word all',
  // pgBackRest
  E_PGBACKREST_NODE: 'a pgbackrest Backup or Snapshot is on a Node without pgbackrest settings',
  E_PGBACKREST_NO_FULL: 'a pgbackrest diff or incr Backup has no full Backup of the same stanza to be taken against',
  E_PGBACKREST_STANZA_DUPLICATE: "two Nodes of one backup server declare the same pgBackRest stanza",
  // Off-site copies
  E_STORE_INVALID: 'an ObjectStore field is not valid in combination (a "." or ".." prefix segment, kmsKeyId without aws:kms)',
  E_OFFSITE_DUPLICATE: 'an offsite list names the same ObjectStore twice',
  // Retention and durations
  E_RETENTION_EMPTY: 'a retention keeps nothing at all',
  E_RETENTION_INVALID: 'a retention duration is not valid',
  E_DURATION_INVALID: 'a duration (timeout, rpo, keepFor, startingDeadline) is not valid',
  // One-off jobs (Snapshot, Restore)
  E_TIME_INVALID: 'an `at` time is not an RFC 3339 date-time with an offset',
  W_RPO_BREACH: 'the schedules let a database go longer without a backup than its rpo allows, or nothing scheduled backs it up',
  W_DEADLINE_WITHOUT_AT: 'startingDeadline is given without at',
  E_RESTORE_SOURCE: "a Restore's from does not name exactly one backup",
  E_RESTORE_DESTINATION: 'a Restore does not have exactly one of toNode and toDir, or has an option of the other kind of restore',
  E_RESTORE_RECOVERY_TARGET: 'a Restore into a directory has more than one recovery target, a targetTime that is not an instant with an offset, or a targetTimeline that is not latest, current or a number, or has no target',
  E_RESTORE_START: 'a Restore into a directory has start without port, or port without start',
  E_RESTORE_TABLESPACE_MAP: "a Restore's tablespaceMap has a location that is not an absolute path, or names a location twice",
  E_RESTORE_METHOD: "a Restore's toNode or toDir does not fit the method of the Backup or Snapshot named by from.latestOf",
  // Notifications
  E_NOTIFIER_CHANNEL: 'a Notifier does not have exactly one channel, or a channel lacks a required pairing (url/urlFile, usernameFile/passwordFile)',
  W_RESTORE_SOURCE_UNKNOWN: "a Restore's from.latestOf names no Backup or Snapshot of the configuration",
} as const;

export type DiagnosticCode = keyof typeof DIAGNOSTIC_CODES;
