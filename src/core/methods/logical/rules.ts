// The logical method (pg_dump / pg_dumpall), as the configuration loader and retention see it. Its other
// pure parts: command lines and failure classification in src/core/dump/, restore planning in
// src/core/restore/; its I/O in src/methods/logical/.
import type { MethodRules } from '../method-rules.js';
import { LOGICAL_FIELDS, normaliseLogicalOptions } from './options.js';
import { logicalServerFindings, logicalSpecFindings } from './spec-rules.js';

export const LOGICAL_RULES: MethodRules = {
  name: 'logical',
  fields: LOGICAL_FIELDS,
  specFindings: logicalSpecFindings,
  serverFindings: (spec, server, defaultPgDumpVersion) =>
    logicalServerFindings(spec, server ? (server.pgDumpVersion ?? defaultPgDumpVersion) : undefined, server?.pgDumpVersion !== undefined),
  normaliseOptions: normaliseLogicalOptions,
  // A dump restores on its own: nothing it needs can expire before it.
  retention: { kind: 'standalone' },
};
