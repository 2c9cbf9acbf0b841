// The logical method (pg_dump / pg_dumpall), as the configuration loader and retention see it. Its other
// pure parts: command lines and failure classification in src/core/dump/, restore planning in
// src/core/restore/; its I/O in src/methods/logical/.
import type { MethodRules } from '../method-rules.js';
import { LOGICAL_FIELDS, logicalSpecOf, normaliseLogicalOptions, type LogicalInput } from './options.js';
import { logicalEncryptionFindings, logicalServerFindings, logicalSpecFindings } from './spec-rules.js';

export const LOGICAL_RULES: MethodRules = {
  name: 'logical',
  prerequisites: [
    { name: 'connection', description: "the backup server connects to the node's maintenance database with the Node's libpq settings (host, port, user, passfile or service, TLS)" },
    { name: 'pg_dump', description: "pg_dump of the node's major version or newer on the backup server (pgBinDirs, else PATH): it dumps each database" },
    { name: 'pg_dumpall', description: "pg_dumpall of the node's major version or newer: it dumps a `type: cluster` backup" },
    { name: 'pg_restore', description: 'pg_restore of the major version of the node (as a restore target) or newer: restore and verify read custom and directory archives with it' },
    { name: 'psql', description: 'psql: restore creates roles and databases and loads plain SQL with it' },
  ],
  fields: LOGICAL_FIELDS,
  specFindings: (spec) => logicalSpecFindings(spec as LogicalInput),
  serverFindings: (spec, server, defaultPgDumpVersion) =>
    logicalServerFindings(spec as LogicalInput, server ? (server.pgDumpVersion ?? defaultPgDumpVersion) : undefined, server?.pgDumpVersion !== undefined),
  encryptionFindings: (spec, from) => logicalEncryptionFindings(spec as LogicalInput, from),
  normaliseOptions: (spec) => normaliseLogicalOptions(spec as LogicalInput),
  // A cluster dump or `databases: all` covers every database it does not exclude.
  covers: (written, database) => {
    const spec = logicalSpecOf(written);
    return spec.type === 'cluster' || (spec.databases === 'all' ? !spec.exclude.includes(database) : spec.databases.includes(database));
  },
  // The tool's version is known once the run has found its pg_dump.
  runFacts: (written) => {
    const spec = logicalSpecOf(written);
    return { method: 'logical', backupType: spec.type, format: spec.format, pgDumpVersion: null, methodFacts: null };
  },
  // A dump restores on its own: nothing it needs can expire before it.
  retention: { kind: 'standalone' },
  restoresInto: 'node',
};
