// Object names become directory names under backupRoot, cron.d/crontab content and catalog keys, so they
// are restricted to a form that is safe in all three; when one is refused, say why in terms of the danger.

export const NAME_PATTERN = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
export const NAME_RULE = 'lowercase letters, digits and hyphens, 1-63 characters, starting and ending with a letter or digit';

const SHELL_CHARACTERS = /[;&|$`()<>\\'"*?!{}[\]#~^%=]/;

/** Why a name is refused, or null when it is valid. */
export function nameProblem(name: string): string | null {
  if (NAME_PATTERN.test(name)) return null;
  return `${reason(name)}. Allowed: ${NAME_RULE}${suggestion(name)}`;
}

function reason(name: string): string {
  if (name === '') return 'the name is empty';
  if (name.includes('..')) return 'it contains "..": names become paths, and ".." would climb out of the backup directory (path traversal)';
  const shell = SHELL_CHARACTERS.exec(name);
  if (shell) return `it contains the shell character ${JSON.stringify(shell[0])}: names are written into cron lines, which cron hands to /bin/sh, so a name must never carry shell syntax`;
  if (name.includes('/')) return 'it contains "/": names become directory names under backupRoot, and a slash would put files somewhere else';
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'it contains a control character (newline, tab, NUL...)';
  if (/\s/.test(name)) return 'it contains whitespace: names are written into cron lines, where spaces separate fields';
  if (name.includes('.')) return 'it contains ".": names are used in cron.d file names, and cron silently ignores files whose name has a dot';
  if (name.length > 63) return `it is ${name.length} characters long (at most 63: it must fit a PostgreSQL identifier and a file name)`;
  if (/[A-Z]/.test(name)) return 'it contains uppercase letters: names are lowercase so that they compare equal everywhere (file systems, cron, the catalog)';
  if (name.includes('_')) return 'it contains "_": use "-" instead';
  if (/^-|-$/.test(name)) return 'it starts or ends with "-" (a leading "-" would read as a command-line option)';
  return 'it contains characters other than a-z, 0-9 and "-"';
}

/** A corrected name for the harmless cases (case, dots, underscores, spaces); none for hostile input. */
function suggestion(name: string): string {
  if (!/^[A-Za-z0-9._ -]+$/.test(name)) return '';
  const fixed = name.toLowerCase().replace(/[._ ]+/g, '-').replace(/-+/g, '-').replace(/^-+|-+$/g, '').slice(0, 63).replace(/-+$/, '');
  return NAME_PATTERN.test(fixed) && fixed !== name ? ` (for example "${fixed}")` : '';
}
