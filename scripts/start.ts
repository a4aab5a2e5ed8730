// `pnpm start`: finds PostgreSQL and Redis (configured, default ports, or embedded), migrates,
// runs the api and the worker (restarting either if it dies, scripts/supervisor.ts) until Ctrl-C or
// SIGTERM, then stops in reverse order.
import path from 'node:path';
import { z } from 'zod';
import { createDb, migrateToLatest } from '@coupon/db';
import {
  ensureConfiguredDatabase, ensureDatabase, isListening, redisAnswers, startEmbeddedPostgres, startEmbeddedRedis, type Server,
} from './embedded';
import { Supervisor } from './supervisor';

const port = z.coerce.number().int().min(1).max(65535);
const parsed = z
  .object({
    DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
    REDIS_URL: z.url({ protocol: /^rediss?$/ }).optional(),
    /** Read by the api; here only to say where it listens. */
    PORT: port.default(3000),
    /** Embedded servers even when others are configured or answer (tests of this script). */
    COUPON_EMBEDDED: z.stringbool().default(false),
    // off the standard ports, so the embedded servers never collide with real ones
    EMBEDDED_PG_PORT: port.default(54329),
    EMBEDDED_REDIS_PORT: port.default(63799),
    DATA_DIR: z.string().min(1).default('.data'),
  })
  .safeParse(process.env);
if (!parsed.success) {
  console.error(`[start] invalid environment:\n${z.prettifyError(parsed.error)}`);
  process.exit(1);
}
const env = parsed.data;

const ROOT = path.resolve(__dirname, '..');
const DATA_DIR = path.resolve(ROOT, env.DATA_DIR);
const APPS = { api: 'apps/api/src/main.ts', worker: 'apps/worker/src/main.ts' };

const servers: Server[] = []; // embedded servers this run started, stopped last

// Last resort if this process dies without stopping them: signal the servers it started.
process.on('exit', () => servers.forEach((server) => void server.stop()));

async function main(): Promise<void> {
  // A signal during start-up waits for it to finish, so no server is left half-started.
  let interrupted: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals) => (interrupted = signal);
  process.on('SIGINT', onSignal).on('SIGTERM', onSignal);

  const redis = await useRedis();
  const postgres = await usePostgres();
  console.log(`[start] PostgreSQL ${postgres.how} at ${postgres.shown}, Redis ${redis.how} at ${redis.shown}; ` +
    `API on http://localhost:${env.PORT}`);
  await migrate(postgres.url);

  if (interrupted) return finish(0);
  const apps = new Supervisor(APPS, {
    root: ROOT,
    env: { DATABASE_URL: postgres.url, REDIS_URL: redis.url },
    onStopped: (exitCode) => void finish(exitCode),
  });
  process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
  process.on('SIGINT', () => apps.signal('SIGINT')).on('SIGTERM', () => apps.signal('SIGTERM'));
  apps.start();
}

async function finish(exitCode: number): Promise<never> {
  await stopServers();
  console.log('[start] stopped');
  process.exit(exitCode);
}

async function useRedis() {
  if (!env.COUPON_EMBEDDED) {
    if (env.REDIS_URL) return external(env.REDIS_URL);
    if (await redisAnswers(6379)) return external('redis://127.0.0.1:6379');
  }
  const server = await startEmbeddedRedis(DATA_DIR, env.EMBEDDED_REDIS_PORT);
  servers.push(server);
  return { url: server.url, shown: server.url, how: 'embedded' };
}

async function usePostgres() {
  if (!env.COUPON_EMBEDDED) {
    // the password is docker-compose.yml's; a trust-auth server ignores it
    const url = env.DATABASE_URL ?? ((await isListening(5432)) ? 'postgres://postgres:postgres@127.0.0.1:5432/coupons' : undefined);
    if (url) {
      if (await ensureConfiguredDatabase(url)) console.log(`[start] created database "${decodeURIComponent(new URL(url).pathname.slice(1))}"`);
      return external(url);
    }
  }
  const server = await startEmbeddedPostgres(DATA_DIR, env.EMBEDDED_PG_PORT);
  servers.push(server);
  await ensureDatabase(server.url);
  return { url: server.url, shown: server.url, how: 'embedded' };
}

/** A configured URL may carry a real password: it is not printed. */
function external(url: string) {
  const shown = new URL(url);
  if (shown.password) shown.password = '***';
  return { url, shown: shown.toString(), how: 'external' };
}

async function migrate(url: string): Promise<void> {
  const db = createDb(url, { max: 1, applicationName: 'coupon-start' });
  try {
    const applied = await migrateToLatest(db);
    console.log(applied.length ? `[start] migrations applied: ${applied.join(', ')}` : '[start] schema is up to date');
  } finally {
    await db.destroy();
  }
}

async function stopServers(): Promise<void> {
  for (const server of servers.splice(0).reverse()) await server.stop();
}

main().catch(async (error: unknown) => {
  console.error('[start] failed:', error instanceof Error ? error.message : error);
  await stopServers();
  process.exit(1);
});
