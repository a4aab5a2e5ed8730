// Run by scripts/start.ts in a process of its own before it starts the apps: makes sure
// DATABASE_URL's database exists and migrates it, then exits. Apart so that the supervisor,
// which stays up for the whole run, never holds the database driver and the migrations.
// `--embedded`: the server is start.ts's own, whose superuser may always create it.
import { createDb, migrateToLatest } from '@coupon/db';
import { ensureConfiguredDatabase, ensureDatabase } from './embedded';

async function main(): Promise<void> {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set');
  if (process.argv.includes('--embedded')) await ensureDatabase(url);
  else if (await ensureConfiguredDatabase(url)) console.log(`[start] created database "${decodeURIComponent(new URL(url).pathname.slice(1))}"`);

  const db = createDb(url, { max: 1, applicationName: 'coupon-start' });
  try {
    const applied = await migrateToLatest(db);
    console.log(applied.length ? `[start] migrations applied: ${applied.join(', ')}` : '[start] schema is up to date');
  } finally {
    await db.destroy();
  }
}

// A Ctrl-C reaches this process too: start.ts waits for it to finish, then stops.
process.on('SIGINT', () => {}).on('SIGTERM', () => {});

main().then(() => process.exit(0), (error: unknown) => {
  console.error('[start] failed:', error instanceof Error ? error.message : error);
  process.exit(1);
});
