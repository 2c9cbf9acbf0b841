// Crontab and cron.d lines that run pg_dump / pg_dumpall / pg_basebackup -> pgbackops documents. Pure.
//
// Each job line is split into schedule (5 fields or a macro), user (cron.d only) and command; the command
// is read as POSIX sh words (sh-words.ts), never run. Every pg_dump / pg_dumpall in it becomes a Backup
// on a Node found from -h/-p/-U, a connection string, or libpq's environment (PGHOST, PGPORT, PGUSER,
// PGPASSFILE, set in the crontab or before the command). Lines that run one of these tools but cannot be
// understood are reported; other lines are left alone. A password (PGPASSWORD=, password= in a connection
// string, user:password@ in a URI) is never written: it is reported, with the advice to use a passfile.
// Retention: a `find DIR [-name GLOB] -mtime +N -delete` (or -exec rm) line over the directory a dump is
// written to (and, with -name, matching its file name as written) gives keepWithin N+1 days; without one, a
// default policy is written and reported.
import { checkCronExpression, CRON_MACROS } from '../cron/expression.js';
import type { RetentionSpec } from '../model.js';
import { nodeFile, distinctNames, joinName, slug, RETENTION_FILE, SERVERS_FILE, type ImportDocument, type ImportResult } from './documents.js';
import { compressionOf, dumpOptionFields, parseDumpArgs, type DumpArgs } from './dump-argv.js';
import type { ImportFinding } from './findings.js';
import { parseShell, programName, type ShellWord, type SimpleCommand } from './sh-words.js';

export interface CrontabSource {
  text: string;
  /** `crontab`: a user's crontab (5 fields + command); `cron.d`: a system file (5 fields + user + command). */
  kind: 'crontab' | 'cron.d';
  /** What to call it in findings: `crontab of postgres`, `/etc/cron.d/backups`. */
  label: string;
  /** The crontab's owner (crontab kind): the default libpq user and the scheduler user. */
  owner: string;
}

export interface CrontabImportOptions {
  /** The BackupServer these lines run on: its name and host. */
  serverName: string;
  serverHost: string;
  backupRoot: string;
  timezone: string;
}

/** libpq's default socket directory on Debian and its derivatives. */
export const DEFAULT_SOCKET_DIR = '/var/run/postgresql';
const DEFAULT_RETENTION: RetentionSpec = { keepWithin: '7d', keepLast: 7 };
const DUMP_TOOLS = new Set(['pg_dump', 'pg_dumpall']);
const BACKUP_TOOLS = new Set(['pg_dump', 'pg_dumpall', 'pg_basebackup']);

interface Found {
  line: number;
  schedule: string;
  runAs: string;
  args: DumpArgs;
  /** Where the dump was written: -f, or the stdout redirection (of the pipeline's last command). */
  output: ShellWord | null;
  /** Compression by a pipe (`| gzip -9`). */
  piped: { program: string; level: number | null } | null;
  env: Record<string, string>;
}

interface Cleanup {
  line: number;
  dir: string;
  days: number;
  /** find's -name pattern, when it has one. */
  name: RegExp | null;
}

export function mapCrontab(source: CrontabSource, options: CrontabImportOptions): ImportResult {
  const findings: ImportFinding[] = [];
  const found: Found[] = [];
  const cleanups: Cleanup[] = [];
  const env: Record<string, string> = {};
  const lines = source.text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const raw = lines[i]!.replace(/\r$/, '');
    const label = `${source.label} line ${lineNo}`;
    const text = raw.trim();
    if (text === '' || text.startsWith('#')) continue;
    const assignment = /^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(text);
    if (assignment && !/^[\d*@]/.test(text)) {
      const value = unquoteCronValue(assignment[2]!);
      if (assignment[1] === 'PGPASSWORD') findings.push(passwordFinding(label));
      else env[assignment[1]!] = value;
      continue;
    }
    const job = splitJob(text, source.kind);
    if (!job) {
      if (mentionsBackupTool(text)) findings.push({ code: 'I_CRON_LINE_NOT_UNDERSTOOD', object: label, chosen: 'not imported: not a cron job line (schedule, then the command)' });
      continue;
    }
    const parsed = parseShell(job.command);
    if (!parsed.ok) {
      if (mentionsBackupTool(job.command)) findings.push({ code: 'I_CRON_LINE_NOT_UNDERSTOOD', object: label, chosen: `not imported: ${parsed.problem}` });
      continue;
    }
    const lineEnv = { ...env };
    for (let c = 0; c < parsed.commands.length; c++) {
      const cmd = parsed.commands[c]!;
      const program = cmd.words[0] ? programName(cmd.words[0]) : '';
      // `export PGHOST=db1 && pg_dump ...` and `PGHOST=db1; pg_dump ...` set the environment of what follows.
      if (program === 'export' || (cmd.words.length === 0 && cmd.assignments.length > 0)) {
        for (const a of cmd.assignments) lineEnv[a.name] = a.value.text;
        for (const w of cmd.words.slice(1)) {
          const eq = w.text.indexOf('=');
          if (eq > 0) lineEnv[w.text.slice(0, eq)] = w.text.slice(eq + 1);
        }
        continue;
      }
      const cleanup = cleanupOf(cmd);
      if (cleanup) cleanups.push({ line: lineNo, ...cleanup });
      if (!BACKUP_TOOLS.has(program)) continue;
      if (!checkCronExpression(job.schedule).ok) {
        findings.push({ code: 'I_CRON_LINE_NOT_UNDERSTOOD', object: label, chosen: `not imported: schedule "${job.schedule}": ${(checkCronExpression(job.schedule) as { message: string }).message}` });
        break;
      }
      if (program === 'pg_basebackup') {
        findings.push({ code: 'I_CRON_BASEBACKUP_UNSUPPORTED', object: label, chosen: 'not imported: write a Backup with method: basebackup for it (docs/restore.md, "Physical backups"), then remove this line' });
        continue;
      }
      const commandEnv = { ...lineEnv };
      for (const a of cmd.assignments) commandEnv[a.name] = a.value.text;
      if (commandEnv.PGPASSWORD !== undefined) {
        findings.push(passwordFinding(label));
        delete commandEnv.PGPASSWORD;
      }
      // Only the output file may be known at run time (`-f /backups/db-$(date +%F).dump`): pgbackops
      // decides where a backup goes anyway. A host or database known only then cannot be imported.
      const dynamic = cmd.words.slice(1).find((w) => w.dynamic && !isOutputWord(cmd.words, w));
      const args = parseDumpArgs(program as 'pg_dump' | 'pg_dumpall', cmd.words.slice(1));
      const unknownEnv = Object.entries(commandEnv).find(([k]) => k.startsWith('PG') && cmd.assignments.find((a) => a.name === k)?.value.dynamic);
      if (args.problem || dynamic || unknownEnv) {
        const why = args.problem ?? `${dynamic?.text ?? `${unknownEnv![0]}=${unknownEnv![1]}`} is only known when a shell runs the line`;
        findings.push({ code: 'I_CRON_LINE_NOT_UNDERSTOOD', object: label, chosen: `not imported: ${why}` });
        continue;
      }
      if (args.connection.password !== undefined) {
        findings.push(passwordFinding(label));
        delete args.connection.password;
      }
      if (args.globalsOnly) {
        findings.push({ code: 'I_CRON_GLOBALS_ONLY', object: label, chosen: 'not imported: every pgbackops database backup captures the roles and settings it needs, and type: cluster dumps all of it' });
        continue;
      }
      if (program === 'pg_dump' && args.database === null && args.connection.dbname === undefined && commandEnv.PGDATABASE === undefined) {
        findings.push({ code: 'I_CRON_LINE_NOT_UNDERSTOOD', object: label, chosen: 'not imported: no database named (pg_dump would dump the one named like the user)' });
        continue;
      }
      const pipeline = pipelineAfter(parsed.commands, c);
      found.push({
        line: lineNo, schedule: job.schedule, runAs: job.user ?? source.owner, args,
        output: args.file ?? stdoutTarget(pipeline.length > 0 ? pipeline[pipeline.length - 1]! : cmd),
        piped: pipedCompression(pipeline), env: commandEnv,
      });
    }
  }

  // Nodes: one per distinct connection.
  const documents: ImportDocument[] = [];
  const nodes = new Map<string, { spec: Record<string, unknown>; host: string; port: number; lines: number[] }>();
  const nodeKeyOf = new Map<Found, string>();
  for (const f of found) {
    const c = connectionOf(f, `${source.label} line ${f.line}`, findings);
    const key = JSON.stringify(c);
    nodeKeyOf.set(f, key);
    const known = nodes.get(key) ?? { spec: c, host: String(c.host), port: Number(c.port ?? 5432), lines: [] };
    known.lines.push(f.line);
    nodes.set(key, known);
  }
  const nodeList = [...nodes.entries()];
  const nodeNames = distinctNames(nodeList, ([, n]) => joinName(n.host.startsWith('/') ? 'local' : slug(n.host), n.port === 5432 ? '' : String(n.port)), ([, n]) => `l${n.lines[0]}`);
  for (const entry of nodeList) {
    const name = nodeNames.get(entry)!;
    documents.push({ kind: 'Node', name, file: nodeFile(name), spec: { ...entry[1].spec, backupServer: options.serverName } });
  }
  const nodeNameOf = (f: Found) => nodeNames.get(nodeList.find(([k]) => k === nodeKeyOf.get(f))!)!;

  // Definitions.
  const retentions = new Map<string, RetentionSpec>();
  const defNames = distinctNames(found, (f) => definitionBase(nodeNameOf(f), f), (f) => `l${f.line}`);
  for (const f of found) {
    const name = defNames.get(f)!;
    const label = `${source.label} line ${f.line}`;
    const type = f.args.tool === 'pg_dumpall' ? 'cluster' : f.args.schemaOnly ? 'schema' : f.args.dataOnly ? 'data' : 'full';
    const spec: Record<string, unknown> = { node: nodeNameOf(f) };
    if (type !== 'cluster') spec.databases = [f.args.database?.text ?? f.args.connection.dbname ?? f.env.PGDATABASE];
    spec.type = type;
    spec.schedule = f.schedule;
    Object.assign(spec, formatFields(f, type, label, findings));
    const { spec: options2, dropped } = dumpOptionFields(f.args);
    Object.assign(spec, options2);
    for (const d of dropped) findings.push({ code: 'I_OPTION_DROPPED', object: label, chosen: `${d.arg} left out: ${d.why}` });
    const retention = retentionFor(f, cleanups);
    const retentionName = retention ? joinName('crontab', `keep-${retention.keepWithin}`) : 'crontab-default';
    retentions.set(retentionName, retention ?? DEFAULT_RETENTION);
    spec.retention = retentionName;
    findings.push(retention
      ? { code: 'I_RETENTION_APPROXIMATED', object: label, chosen: `retention: ${retentionName} (keepWithin: ${retention.keepWithin}, from the find -mtime line that cleans ${f.output?.text ?? 'its directory'})` }
      : { code: 'I_RETENTION_DEFAULTED', object: label, chosen: `retention: crontab-default (keepWithin: ${DEFAULT_RETENTION.keepWithin}, keepLast: ${DEFAULT_RETENTION.keepLast}); review it` });
    if (f.output || f.piped) {
      findings.push({ code: 'I_CRON_OUTPUT_REPLACED', object: label, chosen: `written to ${options.backupRoot}/${spec.node}/${name}/ instead of ${f.output?.text ?? 'a pipe'}` });
    }
    documents.push({ kind: 'Backup', name, file: nodeFile(String(spec.node)), annotations: { 'imported-from': label }, spec });
  }
  for (const [name, spec] of retentions) documents.push({ kind: 'Retention', name, file: RETENTION_FILE, spec: { ...spec } });
  if (found.length > 0) {
    const scheduler = source.kind === 'cron.d'
      ? { type: 'cron.d', file: '/etc/cron.d/pgbackops', user: found[0]!.runAs }
      : { type: 'crontab', user: source.owner };
    documents.push({ kind: 'BackupServer', name: options.serverName, file: SERVERS_FILE, spec: { host: options.serverHost, backupRoot: options.backupRoot, timezone: options.timezone, scheduler } });
    findings.push({ code: 'I_TIMEZONE_ASSUMED', object: source.label, chosen: `timezone: ${options.timezone} (the zone this machine's cron runs in; --timezone)` });
  }
  return { documents, findings };
}

function passwordFinding(label: string): ImportFinding {
  return { code: 'I_PASSWORD_NOT_IMPORTED', object: label, chosen: 'the password was not written; put it in a password file (pgpass format, mode 0600) and set the Node\'s passfile' };
}

function mentionsBackupTool(text: string): boolean {
  return /\bpg_(dump|dumpall|basebackup)\b/.test(text);
}

/** A cron value may be quoted ('x' or "x"): cron takes the text between the quotes. */
function unquoteCronValue(v: string): string {
  const t = v.trim();
  return /^(['"]).*\1$/.test(t) ? t.slice(1, -1) : t;
}

/**
 * Schedule, user and command of a job line. The command ends at the first unescaped `%` (cron feeds the rest
 * to its stdin), and `\%` is cron's escape for a literal `%`.
 */
function splitJob(text: string, kind: CrontabSource['kind']): { schedule: string; user: string | null; command: string } | null {
  let rest: string;
  let schedule: string;
  const macro = /^(@[a-z]+)\s+(.*)$/.exec(text);
  if (macro) {
    if (!(macro[1]! in CRON_MACROS)) return null;
    schedule = macro[1]!;
    rest = macro[2]!;
  } else {
    const m = /^(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(.*)$/.exec(text);
    if (!m) return null;
    schedule = m.slice(1, 6).join(' ');
    rest = m[6]!;
  }
  let user: string | null = null;
  if (kind === 'cron.d') {
    const u = /^(\S+)\s+(.*)$/.exec(rest);
    if (!u) return null;
    user = u[1]!;
    rest = u[2]!;
  }
  let command = '';
  for (let i = 0; i < rest.length; i++) {
    if (rest[i] === '\\' && rest[i + 1] === '%') { command += '%'; i++; continue; }
    if (rest[i] === '%') break;
    command += rest[i];
  }
  return { schedule, user, command };
}

/** The commands piped after commands[index] (`pg_dump db | gzip > f`). */
function pipelineAfter(commands: readonly SimpleCommand[], index: number): SimpleCommand[] {
  const out: SimpleCommand[] = [];
  for (let i = index + 1; i < commands.length && commands[i]!.after === '|'; i++) out.push(commands[i]!);
  return out;
}

function stdoutTarget(cmd: SimpleCommand): ShellWord | null {
  const r = cmd.redirections.find((x) => (x.fd === 1 || x.fd === null) && (x.op === '>' || x.op === '>>'));
  return r?.target ?? null;
}

function isOutputWord(words: readonly ShellWord[], w: ShellWord): boolean {
  const i = words.indexOf(w);
  const prev = i > 0 ? words[i - 1]!.text : '';
  return prev === '-f' || prev === '--file' || w.text.startsWith('--file=') || (w.text.startsWith('-f') && !w.text.startsWith('--'));
}

const COMPRESSORS: Record<string, 'gzip' | 'lz4' | 'zstd'> = { gzip: 'gzip', pigz: 'gzip', lz4: 'lz4', zstd: 'zstd' };

function pipedCompression(pipeline: readonly SimpleCommand[]): Found['piped'] {
  for (const cmd of pipeline) {
    const program = cmd.words[0] ? programName(cmd.words[0]) : '';
    if (!(program in COMPRESSORS)) continue;
    const level = cmd.words.slice(1).map((w) => /^-(\d{1,2})$/.exec(w.text)).find((m) => m !== null);
    return { program, level: level ? Number(level[1]) : null };
  }
  return null;
}

/** The Node's fields: options first, then the line's environment, then libpq's defaults (reported). */
function connectionOf(f: Found, label: string, findings: ImportFinding[]): Record<string, unknown> {
  const c = f.args.connection;
  const spec: Record<string, unknown> = {};
  const host = c.host ?? f.env.PGHOST;
  if (host === undefined || host === '') {
    spec.host = DEFAULT_SOCKET_DIR;
    findings.push({ code: 'I_CRON_DEFAULT_USED', object: label, chosen: `host: ${DEFAULT_SOCKET_DIR} (no -h or PGHOST: libpq's default socket directory)` });
  } else {
    spec.host = host.split(',')[0];
  }
  const port = c.port ?? f.env.PGPORT;
  if (port !== undefined && /^\d+$/.test(port) && Number(port) !== 5432) spec.port = Number(port);
  const user = c.user ?? f.env.PGUSER;
  if (user === undefined) {
    spec.user = f.runAs;
    findings.push({ code: 'I_CRON_DEFAULT_USED', object: label, chosen: `user: ${f.runAs} (no -U or PGUSER: libpq connects as the user the job runs as)` });
  } else {
    spec.user = user;
  }
  const passfile = c.passfile ?? f.env.PGPASSFILE;
  if (passfile !== undefined && passfile.startsWith('/')) spec.passfile = passfile;
  const sslmode = c.sslmode ?? f.env.PGSSLMODE;
  if (sslmode !== undefined && ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'].includes(sslmode)) spec.sslmode = sslmode;
  for (const key of ['sslcert', 'sslkey', 'sslrootcert'] as const) {
    const value = c[key] ?? f.env[`PG${key.toUpperCase()}`];
    if (value !== undefined && value.startsWith('/')) spec[key] = value;
  }
  if (c.service ?? f.env.PGSERVICE) spec.service = c.service ?? f.env.PGSERVICE;
  return spec;
}

function definitionBase(node: string, f: Found): string {
  if (f.args.tool === 'pg_dumpall') return joinName(node, 'cluster');
  const db = f.args.database?.text ?? f.args.connection.dbname ?? f.env.PGDATABASE ?? 'db';
  const kind = f.args.schemaOnly ? 'schema' : f.args.dataOnly ? 'data' : '';
  return kind ? joinName(node, slug(db, 63, 'db'), kind) : joinName(node, slug(db, 63, 'db'));
}

/** format, jobs and compression: database dumps are custom or directory archives in pgbackops. */
function formatFields(f: Found, type: string, label: string, findings: ImportFinding[]): Record<string, unknown> {
  const spec: Record<string, unknown> = {};
  const a = f.args;
  if (type === 'cluster') {
    // pgbackops pipes pg_dumpall's SQL through the same program (stream-compression.ts); unpiped, it was
    // written as plain SQL, which the definition keeps.
    spec.compression = f.piped
      ? { method: COMPRESSORS[f.piped.program]!, ...(f.piped.level !== null ? { level: f.piped.level } : {}) }
      : { method: 'none' };
    return spec;
  }
  const format = a.format ?? 'plain';
  if (format === 'directory') spec.format = 'directory';
  if (format === 'plain' || format === 'tar') {
    findings.push({ code: 'I_CRON_FORMAT_CHANGED', object: label, chosen: `format: custom instead of ${format} (restore with pg_restore, selectively if needed)` });
  }
  if (a.jobs !== null && a.jobs > 1) {
    if (format === 'directory') spec.jobs = a.jobs;
    else findings.push({ code: 'I_OPTION_DROPPED', object: label, chosen: `--jobs=${a.jobs} left out: parallel dumps need format: directory` });
  }
  const compression = a.compress !== null ? compressionOf(a.compress) : f.piped ? { method: COMPRESSORS[f.piped.program]!, ...(f.piped.level !== null ? { level: f.piped.level } : {}) } : null;
  if (a.compress !== null && compression === null) findings.push({ code: 'I_OPTION_DROPPED', object: label, chosen: `--compress=${a.compress} left out: not a compression pgbackops knows` });
  if (compression && !(compression.method === 'gzip' && (compression.level ?? 6) === 6)) spec.compression = compression;
  return spec;
}

/** `find DIR ... -mtime +N ... -delete` (or `-exec rm`): files older than N+1 whole days go. */
function cleanupOf(cmd: SimpleCommand): Omit<Cleanup, 'line'> | null {
  if (!cmd.words[0] || programName(cmd.words[0]) !== 'find' || cmd.words.length < 2) return null;
  const texts = cmd.words.map((w) => w.text);
  const deletes = texts.includes('-delete') || texts.some((t, i) => t === '-exec' && /(^|\/)rm$/.test(texts[i + 1] ?? ''));
  const mtime = texts.findIndex((t) => t === '-mtime' || t === '-ctime');
  const days = mtime === -1 ? null : /^\+(\d+)$/.exec(texts[mtime + 1] ?? '');
  if (!deletes || !days || cmd.words[1]!.dynamic) return null;
  const namePattern = texts.findIndex((t) => t === '-name');
  const name = namePattern === -1 || texts[namePattern + 1] === undefined ? null : globRegExp(texts[namePattern + 1]!);
  return { dir: cmd.words[1]!.text.replace(/\/+$/, ''), days: Number(days[1]) + 1, name };
}

/** A find -name glob (*, ?, [...]) as a regular expression over a whole file name. */
function globRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const close = glob.indexOf(']', i + 2);
      if (close === -1) re += '\\[';
      else {
        re += `[${glob.slice(i + 1, close).replace(/^!/, '^').replace(/\\/g, '\\\\')}]`;
        i = close;
      }
    } else re += c.replace(/[.+^${}()|\\\]]/g, '\\$&');
  }
  try {
    return new RegExp(`^${re}$`, 's');
  } catch {
    // A bracket expression JavaScript cannot read ([z-a]): match nothing rather than guess.
    return /(?!)/;
  }
}

/** The cleanup whose directory holds this dump's output (the static part of its path). */
function retentionFor(f: Found, cleanups: readonly Cleanup[]): { keepWithin: string } | null {
  if (!f.output) return null;
  const staticPart = f.output.text.split(/[$`*?[]/)[0]!;
  const fileName = f.output.text.slice(f.output.text.lastIndexOf('/') + 1);
  const matching = cleanups.filter((c) => staticPart.startsWith(`${c.dir}/`) && (c.name === null || c.name.test(fileName)));
  if (matching.length === 0) return null;
  const days = Math.max(...matching.map((c) => c.days));
  return { keepWithin: `${days}d` };
}
