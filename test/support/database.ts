import type { Kysely } from 'kysely';
import { createDb, type Database } from '@coupon/db';
import { databaseUrl, templateName, uniqueName, withAdminClient } from './servers';

export interface TestDatabase {
  url: string;
  db: Kysely<Database>;
  drop(): Promise<void>;
}

/** A database of this test file's own, cloned from the migrated template. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = uniqueName('coupon_t');
  await withAdminClient((c) => c.query(`CREATE DATABASE "${name}" TEMPLATE "${templateName()}"`));
  const url = databaseUrl(name);
  const db = createDb(url, { max: 5 });
  return {
    url,
    db,
    async drop() {
      await db.destroy();
      await withAdminClient((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    },
  };
}
