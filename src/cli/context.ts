// What every command starts from: settings from global flags, a logger, and the validated configuration.
import type { Command } from 'commander';
import { createLogger, type Logger } from '../adapters/logger.js';
import type { DesiredConfig } from '../core/model.js';
import { renderDiagnostics } from '../core/render/diagnostics-text.js';
import { resolveSettings, type GlobalFlags, type Settings } from '../engine/settings.js';
import { CliError, printJson, stdoutStyle } from './output.js';

export interface CommandContext {
  settings: Settings;
  logger: Logger;
  json: boolean;
}

export function contextOf(command: Command): CommandContext {
  const flags = command.optsWithGlobals() as GlobalFlags & { json?: boolean; logLevel?: string; verbose?: boolean };
  const logger = createLogger({ level: flags.logLevel ?? (flags.verbose ? 'info' : undefined) });
  return { settings: resolveSettings(flags), logger, json: Boolean(flags.json) };
}

/**
 * Loads and validates the configuration; on any error prints all diagnostics (text to stderr, or JSON to
 * stdout) and throws a CliError with exit code 1, so nothing is ever changed by an invalid revision.
 */
export async function loadValidConfig(ctx: CommandContext, options: { strict?: boolean } = {}): Promise<DesiredConfig> {
  // Loaded here, not at the top: commands that never read YAML (run, maintain, reports) skip the parser,
  // the schemas and ajv at start-up.
  const { loadDesired } = await import('../engine/load-desired.js');
  const result = await loadDesired(ctx.settings.configDir, options);
  if (result.config) {
    const warnings = result.diagnostics.filter((d) => d.severity === 'warning');
    if (warnings.length > 0 && !ctx.json) process.stderr.write(renderDiagnostics(warnings, stdoutStyle()));
    return result.config;
  }
  if (ctx.json) {
    printJson({ valid: false, diagnostics: result.diagnostics });
  } else {
    process.stderr.write(renderDiagnostics(result.diagnostics, stdoutStyle()));
  }
  throw new CliError('the configuration is invalid; nothing was changed', 1, 'E_CONFIG_INVALID');
}
