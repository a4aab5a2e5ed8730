import pg from 'pg';
import { ensureConfiguredDatabase } from '../../scripts/embedded';
import { ADMIN_DATABASE_URL, uniqueName, withAdminClient } from '../support/servers';

// `pnpm start` with DATABASE_URL naming a database the server lacks: created when the role
// may (supervise.test.ts runs that through `pnpm start`), else the error says what to run.
const role = uniqueName('coupon_nocreatedb');

beforeAll(async () => {
  await withAdminClient((c) => c.query(`CREATE ROLE "${role}" LOGIN NOCREATEDB`));
});
afterAll(async () => {
  await withAdminClient((c) => c.query(`DROP ROLE IF EXISTS "${role}"`));
});

const urlFor = (user: string, database: string) => {
  const url = new URL(ADMIN_DATABASE_URL);
  url.username = user;
  url.pathname = `/${database}`;
  return url.toString();
};

it('creates a missing database, and leaves an existing one alone', async () => {
  const name = uniqueName('coupon_created');
  const admin = new URL(ADMIN_DATABASE_URL).username || 'postgres';
  try {
    expect(await ensureConfiguredDatabase(urlFor(admin, name))).toBe(true);
    expect(await ensureConfiguredDatabase(urlFor(admin, name))).toBe(false);
    const client = new pg.Client({ connectionString: urlFor(admin, name) });
    await client.connect();
    await client.end();
  } finally {
    await withAdminClient((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
  }
});

it('says exactly what to run when the role may not create it', async () => {
  const name = uniqueName('coupon_missing');
  const { hostname, port } = new URL(ADMIN_DATABASE_URL);
  await expect(ensureConfiguredDatabase(urlFor(role, name))).rejects.toThrow(
    `database "${name}" does not exist and could not be created (permission denied to create database). ` +
      `Create it, then run pnpm start again:\n  psql -h ${hostname} -p ${port || 5432} -U ${role} -d postgres -c 'CREATE DATABASE "${name}"'`,
  );
});
