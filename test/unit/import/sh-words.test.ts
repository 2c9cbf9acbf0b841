import { describe, expect, it } from 'vitest';
import { parseShell, type ShellParse } from '../../../src/core/import/sh-words.js';
import { parseConninfo } from '../../../src/core/import/conninfo.js';

function commands(line: string) {
  const parsed: ShellParse = parseShell(line);
  if (!parsed.ok) throw new Error(parsed.problem);
  return parsed.commands.map((c) => ({
    env: Object.fromEntries(c.assignments.map((a) => [a.name, a.value.text])),
    words: c.words.map((w) => w.text),
    dynamic: c.words.filter((w) => w.dynamic).map((w) => w.text),
    redirections: c.redirections.map((r) => `${r.fd ?? '&'}${r.op}${r.target.text}`),
    after: c.after,
  }));
}

describe('parseShell', () => {
  it('reads quotes, escapes, assignments, redirections and chains as sh does', () => {
    expect(commands(`PGPASSWORD='s3 cr"et' PGHOST=db1 /usr/bin/pg_dump -Fc -d "my db" -f /backups/app-$(date +%F).dump > /var/log/x.log 2>&1 && echo done; gzip -9 a\\ b`)).toEqual([
      {
        env: { PGPASSWORD: 's3 cr"et', PGHOST: 'db1' }, words: ['/usr/bin/pg_dump', '-Fc', '-d', 'my db', '-f', '/backups/app-$(date +%F).dump'],
        dynamic: ['/backups/app-$(date +%F).dump'], redirections: ['1>/var/log/x.log', '2>&1'], after: null,
      },
      { env: {}, words: ['echo', 'done'], dynamic: [], redirections: [], after: '&&' },
      { env: {}, words: ['gzip', '-9', 'a b'], dynamic: [], redirections: [], after: ';' },
    ]);
  });

  it('keeps pipes and backquotes, double-quote escapes and nested substitutions', () => {
    expect(commands('pg_dumpall | gzip > "/b/all-`date +%u`.sql.gz"')).toEqual([
      { env: {}, words: ['pg_dumpall'], dynamic: [], redirections: [], after: null },
      { env: {}, words: ['gzip'], dynamic: [], redirections: ['1>/b/all-`date +%u`.sql.gz'], after: '|' },
    ]);
    expect(commands(`echo "a\\"b \\$HOME $(echo "x)y")"`)[0]!.words).toEqual(['echo', 'a"b $HOME $(echo "x)y")']);
    expect(commands('echo $HOME')[0]!.dynamic).toEqual(['$HOME']);
    expect(commands("echo '$HOME'")[0]!.dynamic).toEqual([]);
    expect(commands('x=1 y=$(id -u) cmd --opt=a=b')[0]).toMatchObject({ env: { x: '1', y: '$(id -u)' }, words: ['cmd', '--opt=a=b'] });
    expect(commands('pg_dump db # a comment; rm -rf /')).toHaveLength(1);
    expect(commands('cmd &>/dev/null &')[0]!.redirections).toEqual(['&>/dev/null']);
  });

  it('refuses what a word list cannot carry, and unterminated text, without throwing', () => {
    for (const line of [
      'echo "unterminated', "echo 'unterminated", 'echo $(date', 'echo `date', '(cd /x && pg_dump db)', '{ pg_dump db; }',
      'if true; then pg_dump db; fi', 'for d in a b; do pg_dump $d; done', 'cat <<EOF', 'echo \\', '&& pg_dump db', 'pg_dump db |', 'diff <(a) <(b)',
      'echo ${unterminated',
    ]) {
      const parsed = parseShell(line);
      expect(parsed.ok, line).toBe(false);
    }
  });

  it('never throws on arbitrary input', () => {
    const alphabet = ` \t'"\\$\`()|&;<>#{}=*~ab-1\n`;
    let seed = 7;
    for (let n = 0; n < 3000; n++) {
      let line = '';
      for (let i = 0; i < 1 + (n % 25); i++) {
        seed = (seed * 1103515245 + 12345) % 2147483648;
        line += alphabet[seed % alphabet.length];
      }
      expect(() => parseShell(line)).not.toThrow();
    }
  });
});

describe('parseConninfo', () => {
  it('reads keyword=value strings with quoting, and URIs', () => {
    expect(parseConninfo(`host=db1 port = 5433 dbname='my db' password='it\\'s' sslmode=require`)).toEqual({
      ok: true, params: { host: 'db1', port: '5433', dbname: 'my db', password: "it's", sslmode: 'require' },
    });
    expect(parseConninfo('postgresql://app:p%40ss@db1.example.org:6432/sales%20db?sslmode=verify-full&passfile=/etc/pgpass')).toEqual({
      ok: true, params: { user: 'app', password: 'p@ss', host: 'db1.example.org', port: '6432', dbname: 'sales db', sslmode: 'verify-full', passfile: '/etc/pgpass' },
    });
    expect(parseConninfo('postgresql://%2Fvar%2Frun%2Fpostgresql/app')).toEqual({ ok: true, params: { host: '/var/run/postgresql', dbname: 'app' } });
    expect(parseConninfo('host=db1 dbname').ok).toBe(false);
    expect(parseConninfo("dbname='open").ok).toBe(false);
    expect(parseConninfo('postgresql://db1/%zz').ok).toBe(false);
  });
});
