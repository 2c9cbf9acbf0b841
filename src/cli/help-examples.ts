// Examples shown at the end of every command's --help (and in the manual page and docs/cli.md's spirit):
// one table, keyed by the command's words, attached after the commands are registered.
import type { Command } from 'commander';
import { setExamples } from './command-tree.js';

const EXAMPLES: Readonly<Record<string, readonly string[]>> = {
  '': [
    'pgbackops -c conf validate',
    'pgbackops -c conf plan --detailed-exitcode',
    'pgbackops -c conf apply --yes',
    'pgbackops --catalog service=catalog status',
  ],
  validate: ['pgbackops -c conf validate', 'pgbackops -c conf validate --json | jq .diagnostics'],
  plan: [
    'pgbackops -c conf plan',
    'pgbackops -c conf plan --detailed-exitcode   # 0 nothing to do, 2 changes, 1 error',
    'pgbackops -c conf plan --out /tmp/plan.json && pgbackops apply /tmp/plan.json',
    'pgbackops -c conf plan --check-nodes          # also: each node\'s databases without a backup after it',
    'pgbackops -c conf plan --no-cache             # read and validate every file again (not the state directory\'s load cache)',
    'pgbackops plan --repo https://git.example.org/dba/backups.git --ref main --path pgbackops',
  ],
  apply: ['pgbackops -c conf apply', 'pgbackops -c conf apply --yes --prune', 'pgbackops apply /tmp/plan.json'],
  run: ['pgbackops run orders-nightly', 'pgbackops --state-dir /var/lib/pgbackops run orders-nightly --database orders'],
  backup: ['pgbackops backup now orders-nightly'],
  'backup now': ['pgbackops backup now orders-nightly', 'pgbackops backup now orders-nightly --database orders --json'],
  maintain: ['pgbackops maintain', 'pgbackops maintain --dry-run', 'pgbackops maintain --one-offs-only'],
  prune: ['pgbackops prune --dry-run', 'pgbackops prune --dry-run --verbose-decisions', 'pgbackops prune --force'],
  restore: [
    'pgbackops restore 3f2a --to-node pg-orders --database orders_copy --dry-run',
    'pgbackops restore 3f2a --to-node pg-orders --rename-existing --yes',
    'pgbackops restore 9c1e --to-dir /srv/restore/orders --target-time 2026-12-05T10:00:00Z --start --port 5499 --yes',
    'pgbackops restore 9c1e --to-dir /srv/restore/orders-tl1 --latest --target-timeline 1 --dry-run',
    'pgbackops restore 9c1e --to-dir /srv/restore/orders --tablespace-map /srv/pg/ts_orders=/srv/restore/ts_orders --yes',
    'pgbackops restore 9c1e --to-dir /srv/restore/orders --latest --tablespace-map-all /srv/restore/orders-tablespaces --yes',
    'pgbackops restore 3f2a --to-node pg-orders --identity-file ~/.config/age/backups.key --yes',
    'pgbackops restore 3f2a --to-node pg-orders --from offsite-eu --database orders_copy --yes',
  ],
  verify: [
    'pgbackops verify 3f2a',
    'pgbackops verify --latest orders-nightly --restore --to-node pg-orders',
    'pgbackops verify --latest orders-physical --restore',
    'pgbackops verify 9c1e --restore --target-time 2026-12-05T10:00:00Z   # a physical trial restore recovered to that instant',
    'pgbackops verify 3f2a --identity-file ~/.config/age/backups.key',
    'pgbackops verify 3f2a --from offsite-eu',
  ],
  backups: [
    'pgbackops backups --definition orders-nightly', 'pgbackops backups --status failed --since 2026-11-01 --json',
    'pgbackops backups --limit 1000 --after 2026-12-06T01:30:00.000000Z_3f2a9c1e-8b7d-4e21-9c3a-5d6e7f801234',
  ],
  show: ['pgbackops show 3f2a', 'pgbackops show 3f2a --json'],
  status: [
    'pgbackops status', 'pgbackops status --no-nodes --json', 'pgbackops status --state failing --limit 50',
    'pgbackops status --after failing:db-0042', 'pgbackops status --daemon http://127.0.0.1:7963',
  ],
  history: ['pgbackops history', 'pgbackops history --limit 10 --json', 'pgbackops history --after 2026-12-05T09:12:44.182311Z_812~end'],
  daemon: [
    'pgbackops daemon -c /etc/pgbackops/config',
    'pgbackops daemon --repo https://git.example.org/dba/backups.git --ref main --webhook-secret-file /etc/pgbackops/webhook-secret',
  ],
  catalog: ['pgbackops catalog status', 'pgbackops --catalog "host=/run/postgresql dbname=pgbackops" catalog migrate'],
  'catalog migrate': ['pgbackops catalog migrate', 'pgbackops --catalog service=catalog catalog migrate --json'],
  'catalog status': ['pgbackops catalog status', 'pgbackops --state-dir /var/lib/pgbackops catalog status --json'],
  'catalog stop': ['pgbackops catalog stop'],
  schema: ['pgbackops schema', 'pgbackops schema Backup > backup.schema.json', 'pgbackops schema --bundle > pgbackops.bundle.json   # one self-contained file, with an $id'],
  import: [
    'pgbackops import pgbackman --from "host=pgbackman-db dbname=pgbackman" --out backups/ --dry-run',
    'pgbackops import crontab --file /etc/cron.d/backups --out backups/',
  ],
  'import pgbackman': [
    'pgbackops import pgbackman --from "host=pgbackman-db dbname=pgbackman" --out backups/ --dry-run',
    'pgbackops import pgbackman --from service=pgbackman --out backups/ --with-history',
  ],
  'import crontab': ['pgbackops import crontab --user postgres --out backups/', 'pgbackops import crontab --file /etc/cron.d/backups --out backups/ --json'],
  'check-status': [
    'pgbackops check-status',
    'pgbackops check-status --definition orders-nightly --warning 26h --critical 50h',
    'pgbackops check-status --node pg-orders --json',
  ],
  check: ['pgbackops check', 'pgbackops check pg-orders --json'],
  'wal-fetch': [
    "restore_command = 'pgbackops wal-fetch --archive-dir /var/backups/pgbackops/pg-orders/_wal %f %p'",
    'pgbackops wal-fetch --node pg-orders 000000010000000000000003 /tmp/000000010000000000000003',
  ],
  'wal-receive': [
    'pgbackops wal-receive --node pg-orders',
    'pgbackops --server backup01 --state-dir /var/lib/pgbackops wal-receive --node pg-orders   # ExecStart= of a systemd unit',
  ],
  completion: [
    'pgbackops completion bash > /etc/bash_completion.d/pgbackops',
    'pgbackops completion zsh > ~/.pgbackops.zsh   # then, after compinit in ~/.zshrc: source ~/.pgbackops.zsh',
    'pgbackops completion fish > ~/.config/fish/completions/pgbackops.fish',
  ],
};

/** The examples of a command path ('' for pgbackops itself), if it has any. */
export function examplesOf(path: readonly string[]): readonly string[] | undefined {
  return EXAMPLES[path.join(' ')];
}

/** Adds an "Examples:" section to the --help of the command and every command under it. */
export function attachExamples(command: Command, path: readonly string[] = []): void {
  const examples = examplesOf(path);
  if (examples) {
    setExamples(command, [...examples]);
    command.addHelpText('after', `\nExamples:\n${examples.map((e) => `  $ ${e}`).join('\n')}\n`);
  }
  for (const sub of command.commands) attachExamples(sub, [...path, sub.name()]);
}
