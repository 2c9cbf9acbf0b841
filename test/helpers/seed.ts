// Seeds a realistic database for dump and restore tests: several schemas (one mixed-case "Sales"), a few
// thousand rows of varied types (a table named "Order Items"), sequences, views, functions, a large object,
// comments, RLS policies, column privileges, default privileges, and the roles all of that needs:
//   app_owner     owns the database and every object; has a password (so roles.sql carries a SCRAM hash)
//   app_user      read/write grantee; ALTER ROLE ... SET search_path; a member of "Mixed Case"
//   app_user_ro   member of the group role `readers`; an ALTER ROLE ... IN DATABASE setting
//   readers       NOLOGIN group, grantee (directly and through default privileges); member of an admin-option grant
//   "Mixed Case"  group with a mixed-case name and a comment
//   HOSTILE_ROLE  a name with a quote, spaces, a backslash, a newline, a dollar-quote tag and unicode; grantee
//   app_lurker    not used by the database at all: must NOT be captured
// plus a database setting (work_mem), a database comment and a non-default database ACL.
// Roles are cluster-wide: seed one database per cluster.
import pg from 'pg';
import { withClient } from './pg-tools.js';

export const HOSTILE_ROLE = 'we"ird $pgbackops$ \\ rôle\nDROP ROLE app_owner; --';

export const SEEDED_ROLES = ['app_owner', 'app_user', 'app_user_ro', 'readers', 'Mixed Case', HOSTILE_ROLE] as const;
export const UNRELATED_ROLE = 'app_lurker';

export interface SeededDatabase {
  database: string;
  /** Roles the database needs (what captureGlobals must find), the bootstrap superuser aside. */
  roles: readonly string[];
  /** Rows in the largest table. */
  rows: number;
}

const id = pg.escapeIdentifier;
const lit = pg.escapeLiteral;

/**
 * Creates `database` in the cluster `admin` (a superuser connection config) and fills it.
 * @param rows rows in "Sales"."Order Items" (other tables scale from it)
 */
export async function seedDatabase(admin: pg.ClientConfig, database: string, rows = 3000): Promise<SeededDatabase> {
  const db = id(database);
  await withClient({ ...admin, database: 'postgres' }, async (c) => {
    const password = (name: string) => `PASSWORD ${lit(`test-only ${name} ${Math.random()}`)}`;
    await c.query(`CREATE ROLE app_owner LOGIN CREATEDB CONNECTION LIMIT 10 VALID UNTIL '2099-12-31 23:59:59+00' ${password('owner')}`);
    await c.query(`CREATE ROLE app_user LOGIN ${password('user')}`);
    await c.query(`CREATE ROLE app_user_ro LOGIN NOINHERIT`);
    await c.query(`CREATE ROLE readers NOLOGIN`);
    await c.query(`CREATE ROLE "Mixed Case" NOLOGIN BYPASSRLS`);
    await c.query(`CREATE ROLE ${id(HOSTILE_ROLE)} NOLOGIN`);
    await c.query(`CREATE ROLE ${UNRELATED_ROLE} LOGIN`);
    await c.query(`COMMENT ON ROLE "Mixed Case" IS 'a group with a space; and a quote: '' '`);
    await c.query(`GRANT readers TO app_user_ro`);
    await c.query(`GRANT "Mixed Case" TO app_user WITH ADMIN OPTION`);
    await c.query(`GRANT pg_read_all_stats TO readers`);
    await c.query(`ALTER ROLE app_user SET search_path = "Sales", public`);
    await c.query(`ALTER ROLE app_user SET statement_timeout = '15min'`);

    await c.query(`CREATE DATABASE ${db} OWNER app_owner TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'`);
    await c.query(`ALTER DATABASE ${db} SET work_mem = '64MB'`);
    await c.query(`ALTER DATABASE ${db} SET search_path = "Sales", public, "$user"`);
    await c.query(`ALTER DATABASE ${db} CONNECTION LIMIT 50`);
    await c.query(`ALTER ROLE app_user_ro IN DATABASE ${db} SET statement_timeout = '5min'`);
    await c.query(`COMMENT ON DATABASE ${db} IS 'seeded for dump tests: ''quoted'' and ünïcödé'`);
    // A non-default ACL: PUBLIC loses CONNECT, two roles get it, one of them may pass it on.
    await c.query(`REVOKE CONNECT ON DATABASE ${db} FROM PUBLIC`);
    await c.query(`GRANT CONNECT ON DATABASE ${db} TO app_user WITH GRANT OPTION`);
    await c.query(`GRANT CONNECT, TEMPORARY ON DATABASE ${db} TO readers`);
  });

  await withClient({ ...admin, database }, async (c) => {
    await c.query('SET ROLE app_owner');
    await c.query(`CREATE SCHEMA "Sales"`);
    await c.query(`CREATE SCHEMA inventory`);
    await c.query(`COMMENT ON SCHEMA "Sales" IS 'mixed-case schema'`);
    await c.query(`CREATE TYPE "Sales".status AS ENUM ('new', 'paid', 'shipped', 'cancelled')`);
    await c.query(`CREATE SEQUENCE "Sales".invoice_no START 1000 INCREMENT 7`);
    await c.query(`
      CREATE TABLE "Sales".customers (
        id integer PRIMARY KEY,
        name text NOT NULL,
        email varchar(120) UNIQUE,
        vip boolean NOT NULL DEFAULT false,
        since date,
        address jsonb,
        net inet
      )`);
    await c.query(`
      CREATE TABLE "Sales"."Order Items" (
        id bigserial PRIMARY KEY,
        customer_id integer NOT NULL REFERENCES "Sales".customers(id),
        "Quantity" smallint NOT NULL CHECK ("Quantity" > 0),
        price numeric(12,2) NOT NULL,
        ordered_at timestamptz NOT NULL,
        status "Sales".status NOT NULL,
        tags text[],
        note text,
        payload bytea,
        ref uuid,
        lead_time interval,
        invoice bigint DEFAULT nextval('"Sales".invoice_no')
      )`);
    await c.query(`CREATE INDEX order_items_customer ON "Sales"."Order Items" (customer_id, ordered_at)`);
    await c.query(`COMMENT ON TABLE "Sales"."Order Items" IS 'one line per ordered article'`);
    await c.query(`COMMENT ON COLUMN "Sales"."Order Items".note IS 'free text, may hold ''quotes'' and \\backslashes'`);
    const customers = Math.max(10, Math.floor(rows / 10));
    await c.query(
      `INSERT INTO "Sales".customers
         SELECT g, 'Customer ' || g || CASE WHEN g % 7 = 0 THEN ' "VIP" ñ' ELSE '' END,
                'c' || g || '@example.org', g % 7 = 0, DATE '2020-01-01' + g,
                jsonb_build_object('city', 'City ' || (g % 13), 'zip', lpad((g * 37 % 100000)::text, 5, '0')),
                ('10.0.' || (g % 250) || '.' || (g % 200 + 1))::inet
           FROM generate_series(1, $1) g`,
      [customers],
    );
    await c.query(
      `INSERT INTO "Sales"."Order Items" (customer_id, "Quantity", price, ordered_at, status, tags, note, payload, ref, lead_time)
         SELECT 1 + g % $2, 1 + g % 9, round((g * 3.17)::numeric % 1000, 2),
                TIMESTAMPTZ '2024-01-01 00:00:00+00' + g * INTERVAL '17 minutes',
                (ARRAY['new','paid','shipped','cancelled']::"Sales".status[])[1 + g % 4],
                ARRAY['t' || g % 5, 'tag with space'],
                CASE WHEN g % 11 = 0 THEN NULL ELSE E'line 1\\nline 2\\ttab \\\\ ' || md5(g::text) END,
                decode(md5(g::text), 'hex'),
                md5(g::text)::uuid,
                (g % 30) * INTERVAL '1 day'
           FROM generate_series(1, $1) g`,
      [rows, customers],
    );
    await c.query(`CREATE TABLE inventory.stock (sku text PRIMARY KEY, qty integer NOT NULL, secret_cost numeric)`);
    await c.query(`INSERT INTO inventory.stock SELECT 'SKU-' || g, g % 100, g * 1.5 FROM generate_series(1, $1) g`, [Math.floor(rows / 3)]);
    await c.query(`CREATE TABLE public.settings (key text PRIMARY KEY, value text)`);
    await c.query(`INSERT INTO public.settings VALUES ('currency', 'EUR'), ('quote''s', 'it''s')`);

    await c.query(`
      CREATE VIEW "Sales".revenue_by_customer AS
        SELECT customer_id, sum(price * "Quantity") AS revenue, count(*) AS lines
          FROM "Sales"."Order Items" GROUP BY customer_id`);
    await c.query(`
      CREATE FUNCTION "Sales".order_total(p_customer integer) RETURNS numeric
        LANGUAGE sql STABLE AS $$ SELECT coalesce(sum(price * "Quantity"), 0) FROM "Sales"."Order Items" WHERE customer_id = p_customer $$`);
    await c.query(`
      CREATE FUNCTION inventory.restock(p_sku text, p_qty integer) RETURNS void
        LANGUAGE plpgsql AS $$ BEGIN UPDATE inventory.stock SET qty = qty + p_qty WHERE sku = p_sku; END $$`);
    await c.query(`COMMENT ON FUNCTION inventory.restock(text, integer) IS 'adds stock'`);
    await c.query(`SELECT lo_from_bytea(0, convert_to('a large object, seeded', 'UTF8'))`);
    await c.query(`SELECT setval('"Sales".invoice_no', 5000)`);

    // Privileges: table, column, function, schema and large-object ACLs; default privileges; a policy.
    await c.query(`GRANT USAGE ON SCHEMA "Sales", inventory TO app_user, readers`);
    await c.query(`GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA "Sales" TO app_user`);
    await c.query(`GRANT USAGE ON SEQUENCE "Sales".invoice_no, "Sales"."Order Items_id_seq" TO app_user`);
    await c.query(`GRANT SELECT ON "Sales".revenue_by_customer, "Sales".customers TO readers`);
    await c.query(`GRANT SELECT (sku, qty) ON inventory.stock TO readers`);
    await c.query(`GRANT EXECUTE ON FUNCTION inventory.restock(text, integer) TO app_user`);
    await c.query(`REVOKE EXECUTE ON FUNCTION inventory.restock(text, integer) FROM PUBLIC`);
    await c.query(`GRANT SELECT ON public.settings TO ${id(HOSTILE_ROLE)}`);
    await c.query(`DO $$ DECLARE o oid; BEGIN FOR o IN SELECT oid FROM pg_largeobject_metadata LOOP EXECUTE format('GRANT SELECT ON LARGE OBJECT %s TO readers', o); END LOOP; END $$`);
    await c.query(`ALTER DEFAULT PRIVILEGES IN SCHEMA "Sales" GRANT SELECT ON TABLES TO readers`);
    await c.query(`ALTER DEFAULT PRIVILEGES GRANT EXECUTE ON FUNCTIONS TO "Mixed Case"`);
    await c.query(`ALTER TABLE inventory.stock ENABLE ROW LEVEL SECURITY`);
    await c.query(`CREATE POLICY stock_visible ON inventory.stock FOR SELECT TO readers USING (qty > 0)`);
    await c.query('RESET ROLE');
    await c.query('ANALYZE');
  });
  return { database, roles: SEEDED_ROLES, rows };
}
