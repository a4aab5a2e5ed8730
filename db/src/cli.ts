// `pnpm migrate`: applies pending migrations to DATABASE_URL.
import { createDb } from './connection';
import { migrateToLatest } from './migrate';

async function main(): Promise<void> {
  const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/coupons';
  const db = createDb(url, { max: 2, applicationName: 'coupon-migrate' });
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
