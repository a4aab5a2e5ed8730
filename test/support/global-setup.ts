import { createDb, migrateToLatest } from '@coupon/db';
import { databaseUrl, templateName, withAdminClient } from './servers';

/**
 * The PostgreSQL advisory lock held while a template is built: any number, as long as nothing
 * else on the shared server takes it (the migrations' own lock is another).
 */
const TEMPLATE_BUILD_LOCK = 727002;

// Migrates one template database per schema version; each test file then clones it
// with CREATE DATABASE ... TEMPLATE, which takes milliseconds instead of a migration run.
export default async function globalSetup(): Promise<void> {
  const name = templateName();
  await withAdminClient(async (client) => {
    // concurrent jest runs (developers, CI) must not build the same template twice
    await client.query('SELECT pg_advisory_lock($1)', [TEMPLATE_BUILD_LOCK]);
    try {
      const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (rowCount) return;
      await client.query(`CREATE DATABASE "${name}_build"`).catch(() => {});
      const db = createDb(databaseUrl(`${name}_build`), { max: 1 });
      try {
        await migrateToLatest(db);
      } finally {
        await db.destroy();
      }
      await client.query(`ALTER DATABASE "${name}_build" RENAME TO "${name}"`);
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [TEMPLATE_BUILD_LOCK]);
    }
  });
}
