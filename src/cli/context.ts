// What every command starts from: settings from global flags, a logger, and the validated configuration.
import type { Command } from 'commander';
import { createLogger, type Logger } from '../adapters/logger.js';
import type { DesiredConfig } from '../core/model.js';
import { renderDiagnostics } from '../core/render/diagnostics-text.js';
import { resolveSettings, type GlobalFlags, type Settings } from '../runtime/settings.js';
import { isLogLevel, LOG_LEVELS, type LogLevel } from './flag-values.js';
import { contractJson } from '../core/render/json-contract.js';
import { CliError, stdoutStyle } from './output.js';
import { envSetting } from '../adapters/os/environment.js';

export interface CommandContext {
  settings: Settings;
  logger: Logger;
  json: boolean;
  /** --quiet: nothing on stderr but errors (no warnings, no progress lines). */
  quiet: boolean;
}

export interface LogFlags {
  logLevel?: LogLevel;
  verbose?: boolean;
  quiet?: boolean;
}

export function contextOf(command: Command): CommandContext {
  const flags = command.optsWithGlobals() as GlobalFlags & LogFlags & { json?: boolean };
  const logger = createLogger({ level: logLevelOf(flags) });
  return { settings: resolveSettings(flags), logger, json: Boolean(flags.json), quiet: Boolean(flags.quiet) };
}

/**
 * The log level: --quiet, else --log-level, else -v, else PGBACKOPS_LOG_LEVEL, else `fallback`. commander
 * checks the flags; the environment variable is checked here, so a typo there is an error too rather than
 * a silently different level.
 */
export function logLevelOf(flags: LogFlags, fallback: LogLevel = 'warn', env: NodeJS.ProcessEnv = process.env): LogLevel {
  if (flags.quiet) return 'error';
  if (flags.logLevel) return flags.logLevel;
  if (flags.verbose) return 'info';
  const fromEnv = envSetting('logLevel', env);
  if (fromEnv === undefined || fromEnv === '') return fallback;
  if (!isLogLevel(fromEnv)) throw new CliError(`PGBACKOPS_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, not ${JSON.stringify(fromEnv)}`);
  return fromEnv;
}

/**
 * Loads and validates the configuration; on any error prints all diagnostics (text to stderr, or JSON to
 * stdout) and throws a CliError with exit code 1, so nothing is ever changed by an invalid revision.
 */
export async function loadValidConfig(ctx: CommandContext, options: { strict?: boolean; cached?: boolean } = {}): Promise<DesiredConfig> {
  // Loaded here, not at the top: commands that never read YAML (run, maintain, reports) skip the parser,
  // the schemas and ajv at start-up.
  const result = options.cached ? await loadCached(ctx, options) : await (await import('../engine/load-desired.js')).loadDesired(ctx.settings.configDir, options);
  if (result.config) {
    ctx.logger.info({ dir: ctx.settings.configDir, files: result.fileCount, objects: result.config.objects.length, revision: result.config.revision }, 'configuration loaded and valid');
    const warnings = result.diagnostics.filter((d) => d.severity === 'warning');
    if (warnings.length > 0 && !ctx.json && !ctx.quiet) process.stderr.write(renderDiagnostics(warnings, stdoutStyle()));
    return result.config;
  }
  // Under --json the diagnostics go in the error object main prints (docs/cli.md, "JSON output").
  if (!ctx.json) process.stderr.write(renderDiagnostics(result.diagnostics, stdoutStyle()));
  throw new CliError('the configuration is invalid; nothing was changed', 1, 'E_CONFIG_INVALID', contractJson(result.diagnostics) as unknown[]);
}

/** Through the load cache in the state directory (engine/config-load-cache.ts; `plan --no-cache` goes around it). */
async function loadCached(ctx: CommandContext, options: { strict?: boolean }) {
  const { loadDesiredCached } = await import('../engine/config-load-cache.js');
  const result = await loadDesiredCached(ctx.settings.configDir, { ...options, stateDir: ctx.settings.stateDir });
  ctx.logger.info({ ...result.cache }, 'configuration load cache used');
  return result;
}
