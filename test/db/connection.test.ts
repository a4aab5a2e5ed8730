import { sql } from 'kysely';
import { createDb } from '@coupon/db';
import { createTestDatabase } from '../support/database';
import { beforeAllValue } from '../support/hooks';
import { withAdminClient } from '../support/servers';

// PostgreSQL going away while a client is checked out of the pool (inside a transaction,
// between two statements) must fail that transaction, not the process: the chaos suite's
// worker died of an unhandled 'error' event when PostgreSQL was stopped under load.
const database = beforeAllValue('the test database', createTestDatabase, (d) => d.drop());

it('a connection killed between two statements of a transaction fails the transaction, and the pool recovers', async () => {
  const db = createDb(database().url, { max: 1 });
  const uncaught: unknown[] = [];
  const onError = (error: unknown) => uncaught.push(error);
  process.on('uncaughtException', onError);
  try {
    const outcome = await db.transaction().execute(async (trx) => {
      const { rows: [me] } = await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(trx);
      // this test's own backend, on this test's own database: the server itself is untouched
      await withAdminClient((c) => c.query('SELECT pg_terminate_backend($1)', [me!.pid]));
      await new Promise((r) => setTimeout(r, 200)); // the client learns of it while idle
      return sql`SELECT 1`.execute(trx);
    }).then(() => 'committed', (error: Error) => `failed: ${error.message}`);
    expect(outcome).toMatch(/^failed: /);
    expect(uncaught).toEqual([]);
    const { rows } = await sql<{ one: number }>`SELECT 1 AS one`.execute(db);
    expect(rows).toEqual([{ one: 1 }]);
  } finally {
    process.off('uncaughtException', onError);
    await db.destroy();
  }
});
