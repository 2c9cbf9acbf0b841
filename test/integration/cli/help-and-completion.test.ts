// Every command's --help shows examples and the global options; the completion scripts are valid shell
// and complete command names. Through the built CLI, as a user runs it.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pgbackops, type CliResult } from '../../helpers/cli.js';
import { tempDir } from '../../helpers/config.js';

/**
 * Every command path's `--help` (the top level's first, as []), each printed by its own CLI process. The paths
 * are read from the top-level help and each group's help; those helps are kept, not asked for twice.
 */
async function everyHelp(): Promise<Array<{ path: string[]; help: CliResult }>> {
  const names = (help: string) => [...help.slice(help.indexOf('Commands:')).matchAll(/^ {2}([a-z]+)\b/gm)].map((m) => m[1]!).filter((c) => c !== 'help');
  const topHelp = await pgbackops(['--help']);
  const top = names(topHelp.stdout);
  const topHelps = await inParallel(top, (name) => pgbackops([name, '--help']));
  const subPaths = top.flatMap((name, i) => {
    const help = topHelps[i]!.stdout;
    return help.includes('Commands:') ? names(help).map((sub) => [name, sub]) : [];
  });
  const subHelps = await inParallel(subPaths, (path) => pgbackops([...path, '--help']));
  return [
    { path: [], help: topHelp },
    ...top.map((name, i) => ({ path: [name], help: topHelps[i]! })),
    ...subPaths.map((path, i) => ({ path, help: subHelps[i]! })),
  ];
}

/** fn over items, a few CLI processes at a time (each is a Node start-up), results in the items' order. */
async function inParallel<T, R>(items: readonly T[], fn: (item: T) => Promise<R>, width = 4): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
  return results;
}

const have = (shell: string) => spawnSync('sh', ['-c', `command -v ${shell}`]).status === 0;

describe('--help', () => {
  it('every command shows examples and the global options', async () => {
    const all = await everyHelp();
    expect(all.map(({ path }) => path.join(' '))).toEqual(expect.arrayContaining(['plan', 'apply', 'catalog migrate', 'backup now', 'completion']));
    for (const { path, help: r } of all) {
      const what = `pgbackops ${path.join(' ')} --help`;
      expect(r.exitCode, what).toBe(0);
      expect(r.stdout, what).toMatch(/\nExamples:\n {2}\$ pgbackops /);
      for (const option of ['-c, --config <dir>', '--state-dir <dir>', '--catalog <conninfo>']) expect(r.stdout, `${what}: ${option}`).toContain(option);
    }
  }, 300_000); // one CLI start-up per command path: room for a machine shared by other suites
});

describe('pgbackops completion', () => {
  const dir = tempDir('completion');

  async function script(shell: string): Promise<string> {
    const r = await pgbackops(['completion', shell]);
    expect(r.exitCode).toBe(0);
    const file = join(dir, `pgbackops.${shell}`);
    writeFileSync(file, r.stdout);
    return file;
  }

  it('bash: valid, and completes commands, subcommands, options and choices', async () => {
    const file = await script('bash');
    expect(spawnSync('bash', ['-n', file]).status).toBe(0);
    const complete = (...words: string[]) => {
      const line = `source ${file}; COMP_WORDS=(pgbackops ${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length}; _pgbackops; printf '%s\\n' "\${COMPREPLY[@]}"`;
      return spawnSync('bash', ['-c', line], { encoding: 'utf8' }).stdout.trim().split('\n');
    };
    expect(complete('pl')).toEqual(['plan']);
    expect(complete('-c', 'conf', 'ap')).toEqual(['apply']);
    expect(complete('catalog', 'mi')).toEqual(['migrate']);
    expect(complete('plan', '--detailed')).toEqual(['--detailed-exitcode']);
    expect(complete('--log-level', 'de')).toEqual(['debug']);
  });

  it.runIf(have('zsh'))('zsh: valid', async () => {
    const file = await script('zsh');
    const r = spawnSync('zsh', ['-n', file], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    // Sourced after compinit, as ~/.zshrc does, it defines the completion function.
    const loaded = spawnSync('zsh', ['-f', '-c', `autoload -U compinit && compinit -u -D; source ${file} && whence -w _pgbackops`], { encoding: 'utf8' });
    expect(loaded.stderr).toBe('');
    expect(loaded.stdout).toContain('_pgbackops: function');
  });

  it.runIf(have('fish'))('fish: valid, and completes command names', async () => {
    const file = await script('fish');
    expect(spawnSync('fish', ['-n', file]).status).toBe(0);
    const r = spawnSync('fish', ['-c', `source ${file}; complete -C 'pgbackops pla'; complete -C 'pgbackops catalog mi'`], { encoding: 'utf8' });
    expect(r.stdout).toMatch(/^plan\t/m);
    expect(r.stdout).toMatch(/^migrate\t/m);
  });

  it('an unknown shell is a usage error', async () => {
    const r = await pgbackops(['completion', 'tcsh']);
    expect(r.stderr).toContain("Allowed choices are bash, zsh, fish");
    expect(r.exitCode).toBe(1);
  });
});
