import { createHash, randomBytes } from 'node:crypto';
import pg from 'pg';
import { migrations } from '@coupon/db';
import { withDatabase } from './net';

// The shared servers of the machine (or CI). Tests only ever create and drop their own
// databases and keys on them; they never stop, flush or reconfigure them.
export const ADMIN_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Hex digits of the migration list's hash in a template's name: short, and unique enough. */
const TEMPLATE_HASH_LENGTH = 12;

/** Named after the migration list, so a schema change gets a fresh template. */
export function templateName(): string {
  const hash = createHash('sha1').update(Object.keys(migrations).join(',')).digest('hex');
  return `coupon_tpl_${hash.slice(0, TEMPLATE_HASH_LENGTH)}`;
}

export function databaseUrl(name: string): string {
  return withDatabase(ADMIN_DATABASE_URL, name);
}

/** Random bytes in a unique name, beside the time: files that start in the same millisecond differ. */
const UNIQUE_BYTES = 4;

export function uniqueName(kind: string): string {
  return `${kind}_${Date.now().toString(36)}_${randomBytes(UNIQUE_BYTES).toString('hex')}`;
}

export async function withAdminClient<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: ADMIN_DATABASE_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
