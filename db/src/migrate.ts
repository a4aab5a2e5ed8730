import { sql, type Kysely } from 'kysely';
import { Migrator, type MigrationResultSet } from 'kysely';
import { migrations } from '../migrations';

// api and worker both migrate at start; a session advisory lock makes the second wait
// for the first instead of racing it on CREATE TABLE.
const MIGRATION_LOCK_KEY = 727_001;

export async function migrateToLatest(db: Kysely<any>): Promise<string[]> {
  return db.connection().execute(async (conn) => {
    await sql`SELECT pg_advisory_lock(${MIGRATION_LOCK_KEY})`.execute(conn);
    try {
      const migrator = new Migrator({ db: conn, provider: { getMigrations: async () => migrations } });
      return unwrap(await migrator.migrateToLatest());
    } finally {
      await sql`SELECT pg_advisory_unlock(${MIGRATION_LOCK_KEY})`.execute(conn);
    }
  });
}

function unwrap({ error, results }: MigrationResultSet): string[] {
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
