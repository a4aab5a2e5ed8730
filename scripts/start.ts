// `pnpm start`: finds PostgreSQL and Redis (configured, default ports, or embedded), creates the
// database and migrates it (scripts/prepare-database.ts), runs the api and the worker (restarting
// either if it dies, scripts/supervisor.ts) until Ctrl-C or SIGTERM, then stops in reverse order.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { z } from 'zod';
import { isListening, redisAnswers, startEmbeddedPostgres, startEmbeddedRedis, type Server } from './embedded';
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
// Compiled (dist/start.js, what `pnpm start` runs) it runs the compiled apps; as TypeScript
// under tsx (test/start/start.test.ts) it runs theirs, so a test never meets a stale build.
const APPS = __filename.endsWith('.ts')
  ? { api: 'apps/api/src/main.ts', worker: 'apps/worker/src/main.ts' }
  : { api: 'apps/api/dist/main.js', worker: 'apps/worker/dist/main.js' };

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
  await prepareDatabase(postgres.url, postgres.how === 'embedded');

  if (interrupted) return finish(0);
  const apps = new Supervisor(APPS, {
    root: ROOT,
    // migrated above, once: the apps need not load the migrations again (nor the primary its driver)
    env: { DATABASE_URL: postgres.url, REDIS_URL: redis.url, MIGRATE_ON_START: 'false' },
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
    if (url) return external(url);
  }
  const server = await startEmbeddedPostgres(DATA_DIR, env.EMBEDDED_PG_PORT);
  servers.push(server);
  return { url: server.url, shown: server.url, how: 'embedded' };
}

/** A configured URL may carry a real password: it is not printed. */
function external(url: string) {
  const shown = new URL(url);
  if (shown.password) shown.password = '***';
  return { url, shown: shown.toString(), how: 'external' };
}

/** Its failure was printed by the process that failed. */
class Reported extends Error {}

/**
 * Creates the database when missing and migrates it, in a process of its own (run the way this
 * one runs: compiled, or TypeScript through tsx), so this one never loads the driver.
 */
async function prepareDatabase(url: string, embedded: boolean): Promise<void> {
  const script = path.join(__dirname, `prepare-database${path.extname(__filename)}`);
  const child = spawn(process.execPath, [...process.execArgv, script, ...(embedded ? ['--embedded'] : [])], {
    env: { ...process.env, DATABASE_URL: url },
    stdio: 'inherit',
  });
  const code = await new Promise<number | null>((resolve, reject) => child.on('error', reject).on('exit', resolve));
  if (code !== 0) throw new Reported();
}

async function stopServers(): Promise<void> {
  for (const server of servers.splice(0).reverse()) await server.stop();
}

main().catch(async (error: unknown) => {
  if (!(error instanceof Reported)) console.error('[start] failed:', error instanceof Error ? error.message : error);
  await stopServers();
  process.exit(1);
});
