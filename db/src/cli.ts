// `pnpm migrate`: applies pending migrations to DATABASE_URL.
import { commonEnv, parseEnv } from '@coupon/runtime';
import { createDb } from './connection';
import { migrateToLatest } from './migrate';

async function main(): Promise<void> {
  const { DATABASE_URL } = parseEnv({ DATABASE_URL: commonEnv.DATABASE_URL }, process.env);
  const db = createDb(DATABASE_URL, { max: 2, applicationName: 'coupon-migrate' });
  try {
    const applied = await migrateToLatest(db);
    console.log(applied.length ? `applied: ${applied.join(', ')}` : 'schema is up to date');
  } finally {
    await db.destroy();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
