// Whether a node's archive_command pushes its WAL to the stanza pgbackops backs it up into. pgbackops never
// changes a node's settings: `check` says what to set (docs/pgbackrest.md, "The node's side").

/** The archive_command to set on a node for its stanza in the server's file. */
export function wantedArchiveCommand(config: string, stanza: string): string {
  return `pgbackrest --config=${config} --stanza=${stanza} archive-push %p`;
}

/** null when archive_mode and archive_command are right; else what is wrong and what to set. */
export function archiveCommandProblem(archiveMode: string, archiveCommand: string, config: string, stanza: string): string | null {
  const wanted = wantedArchiveCommand(config, stanza);
  const fix = `set archive_mode = on and archive_command = '${wanted}' on the node (ALTER SYSTEM, then a restart for archive_mode)`;
  if (archiveMode !== 'on' && archiveMode !== 'always') return `archive_mode is ${archiveMode}: ${fix}`;
  const words = archiveCommand.trim().split(/\s+/);
  const ok = words.includes('archive-push') && words.includes(`--stanza=${stanza}`) && words.includes(`--config=${config}`) && /(^|\/)pgbackrest$/.test(words[0] ?? '');
  return ok ? null : `archive_command is ${JSON.stringify(archiveCommand)}, which does not push to stanza ${stanza} with ${config}: ${fix}`;
}
