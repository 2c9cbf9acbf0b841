import { describe, expect, it } from 'vitest';
import { ClusterScriptScanner, readIdentifier } from '../../../src/core/restore/cluster-script.js';

const SCRIPT = `--
-- PostgreSQL database cluster dump
--

SET default_transaction_read_only = off;

--
-- Roles
--

CREATE ROLE app_owner;
ALTER ROLE app_owner WITH NOSUPERUSER INHERIT LOGIN PASSWORD 'SCRAM-SHA-256$4096:abc;def';
CREATE ROLE postgres;
ALTER ROLE postgres WITH SUPERUSER INHERIT CREATEROLE CREATEDB LOGIN REPLICATION BYPASSRLS;
CREATE ROLE "we""ird ; rôle
DROP ROLE app_owner; --";
COMMENT ON ROLE "we""ird ; rôle
DROP ROLE app_owner; --" IS 'it''s; odd';
ALTER ROLE postgres SET search_path TO 'x';
GRANT app_owner TO postgres GRANTED BY postgres;
GRANT app_owner TO "we""ird ; rôle
DROP ROLE app_owner; --" GRANTED BY postgres;

\\connect template1

CREATE FUNCTION f() RETURNS text LANGUAGE sql AS $_$ SELECT 'CREATE DATABASE fake; '' $_$;
/* a /* nested */ comment; CREATE DATABASE fake2; */
--
-- Name: Shop; Type: DATABASE
--

CREATE DATABASE "Shop ""Ω"" db=1" WITH TEMPLATE = template0 ENCODING = 'UTF8';
\\connect -reuse-previous=on "dbname='Shop \\"Ω\\" db=1'"
COPY public.t (x) FROM stdin;
CREATE DATABASE not_a_database;
a;b\\tc'd
\\.
CREATE ROLE late_role;
SELECT E'it\\'s; CREATE DATABASE nope';
CREATE DATABASE plain_name;
`;

const HOSTILE = 'we"ird ; rôle\nDROP ROLE app_owner; --';

function scan(text: string, skip: string[] = [], chunk = 7): { out: string; scanner: ClusterScriptScanner } {
  const scanner = new ClusterScriptScanner(new Set(skip));
  let out = '';
  for (let i = 0; i < text.length; i += chunk) out += scanner.feed(text.slice(i, i + chunk));
  out += scanner.end();
  return { out, scanner };
}

describe('ClusterScriptScanner', () => {
  it('finds the roles of the globals section and the databases the script creates', () => {
    const { scanner } = scan(SCRIPT);
    expect(scanner.facts.roles).toEqual(['app_owner', 'postgres', HOSTILE]);
    expect(scanner.facts.databases).toEqual(['Shop "Ω" db=1', 'plain_name']);
  });

  it('passes the script through unchanged when no role is skipped, whatever the chunk size', () => {
    for (const size of [1, 3, 64, 100_000]) expect(scan(SCRIPT, [], size).out).toBe(SCRIPT);
  });

  it('leaves out the statements about skipped roles in the globals section only', () => {
    const { out } = scan(SCRIPT, ['postgres', HOSTILE]);
    expect(out).not.toContain('CREATE ROLE postgres;');
    expect(out).not.toContain('ALTER ROLE postgres');
    expect(out).not.toContain('GRANT app_owner TO postgres');
    expect(out).not.toContain('we""ird');
    expect(out).toContain('CREATE ROLE app_owner;');
    expect(out).toContain("PASSWORD 'SCRAM-SHA-256$4096:abc;def';");
    // After the first \\connect nothing is filtered.
    expect(out.slice(out.indexOf('\\connect template1'))).toBe(SCRIPT.slice(SCRIPT.indexOf('\\connect template1')));
  });
});

describe('readIdentifier', () => {
  it('reads quoted identifiers with doubled quotes and folds bare ones', () => {
    expect(readIdentifier('"a""b" x', 0)).toEqual({ name: 'a"b', end: 6 });
    expect(readIdentifier('App_Owner;', 0)).toEqual({ name: 'app_owner', end: 9 });
    expect(readIdentifier('"unterminated', 0)).toBeNull();
  });
});

describe('ClusterScriptScanner with creation markers', () => {
  const mark = (kind: string, name: string) => `\\echo MARK ${kind} ${JSON.stringify(name)}\n`;
  function marked(text: string, skip: string[] = [], chunk = 7): string {
    const scanner = new ClusterScriptScanner(new Set(skip), mark);
    let out = '';
    for (let i = 0; i < text.length; i += chunk) out += scanner.feed(text.slice(i, i + chunk));
    return out + scanner.end();
  }

  it('puts a marker right after each CREATE ROLE of the globals section and each CREATE DATABASE, nothing else', () => {
    for (const size of [1, 7, 100_000]) {
      const out = marked(SCRIPT, ['postgres'], size);
      expect(out).toContain('CREATE ROLE app_owner;\n\\echo MARK role "app_owner"\n');
      expect(out).toContain(`DROP ROLE app_owner; --";\n\\echo MARK role ${JSON.stringify(HOSTILE)}\n`);
      expect(out).toContain(`CREATE DATABASE "Shop ""Ω"" db=1" WITH TEMPLATE = template0 ENCODING = 'UTF8';\n\\echo MARK database ${JSON.stringify('Shop "Ω" db=1')}\n`);
      expect(out).toContain('CREATE DATABASE plain_name;\n\\echo MARK database "plain_name"\n');
      // Skipped roles are not created, so nothing vouches for them; text in data, strings and bodies is no statement.
      expect(out).not.toContain('MARK role postgres');
      expect(out.match(/\\echo MARK/g)).toHaveLength(4);
      // Without the markers, the script is what it was.
      expect(out.replace(/\n\\echo MARK [^\n]*\n/g, '')).toBe(scan(SCRIPT, ['postgres'], size).out);
    }
  });

  it('lifts a \\restrict of the script for its marker line only, with the script\'s own key', () => {
    const script = '\\restrict K1\nCREATE ROLE r;\nALTER ROLE r WITH LOGIN;\n\\unrestrict K1\n\\connect template1\n\\restrict K2\nCREATE DATABASE d;\n\\unrestrict K2\nCREATE DATABASE e;\n';
    expect(marked(script, [], 3)).toBe(
      '\\restrict K1\nCREATE ROLE r;\n\\unrestrict K1\n\\echo MARK role "r"\n\\restrict K1\n\nALTER ROLE r WITH LOGIN;\n\\unrestrict K1\n'
      + '\\connect template1\n\\restrict K2\nCREATE DATABASE d;\n\\unrestrict K2\n\\echo MARK database "d"\n\\restrict K2\n\n\\unrestrict K2\n'
      + 'CREATE DATABASE e;\n\\echo MARK database "e"\n\n',
    );
  });

  it('vouches for no CREATE inside a transaction block, which a later ROLLBACK could undo', () => {
    const out = marked('BEGIN;\nCREATE ROLE inside;\nROLLBACK TO SAVEPOINT s;\nCREATE ROLE still_inside;\nCOMMIT;\nCREATE ROLE outside;\n');
    expect(out).not.toContain('MARK role inside');
    expect(out).not.toContain('MARK role still_inside');
    expect(out).toContain('CREATE ROLE outside;\n\\echo MARK role "outside"\n');
  });
});
