import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from './tables';

// count(*) and sums come back as int8; every one we read fits in a JS number.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

export interface DbOptions {
  /** Pool size; the worker needs few, each API process a handful. */
  max?: number;
  applicationName?: string;
}

export function createDb(url: string, options: DbOptions = {}): Kysely<Database> {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    application_name: options.applicationName ?? 'coupon-service',
    // fail fast when PostgreSQL is down instead of queueing requests forever
    connectionTimeoutMillis: 5000,
  });
  // An idle client dying (server restart) must not crash the process; the pool replaces it.
  pool.on('error', () => {});
  // A client checked out of the pool has no listener of the pool's: if PostgreSQL goes away
  // between two statements (say inside a transaction), the client emits 'error' with no query
  // to fail, and an unhandled 'error' event kills the process (the chaos suite's worker died
  // so). The next statement on it fails instead, and the pool drops it on release.
  pool.on('connect', (client) => client.on('error', () => {}));
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}
