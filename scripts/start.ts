// `pnpm start`: finds PostgreSQL and Redis (configured, default ports, or embedded), migrates,
// runs the api and the worker until Ctrl-C or SIGTERM, then stops in reverse order.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { z } from 'zod';
import { createDb, migrateToLatest } from '@coupon/db';
import {
  ensureDatabase, isListening, redisAnswers, startEmbeddedPostgres, startEmbeddedRedis, type Server,
} from './embedded';

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
const children: ChildProcess[] = [];
let stopping = false;
let exitCode = 0;

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

  process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
  process.on('SIGINT', () => void stop('SIGINT')).on('SIGTERM', () => void stop('SIGTERM'));
  if (interrupted) return stop(interrupted);
  for (const [name, file] of Object.entries(APPS)) run(name, file, { DATABASE_URL: postgres.url, REDIS_URL: redis.url });
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
    if (env.DATABASE_URL) return external(env.DATABASE_URL);
    if (await isListening(5432)) {
      // the password is docker-compose.yml's; a trust-auth server ignores it
      const url = 'postgres://postgres:postgres@127.0.0.1:5432/coupons';
      await ensureDatabase(url);
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

// node --import tsx rather than the tsx CLI: the child is then the app itself, with no
// relay process in between that a SIGKILL could orphan it from.
function run(name: string, file: string, vars: Record<string, string>): void {
  const child = spawn(process.execPath, ['--import', 'tsx', file], {
    cwd: ROOT,
    env: { ...process.env, ...vars },
    stdio: 'inherit',
  });
  children.push(child);
  child.on('exit', (code, signal) => {
    // while stopping, death by a signal (the terminal's, or a second Ctrl-C) is expected
    if (!stopping || (code !== null && code !== 0)) exitCode = 1;
    if (!stopping) void stop('SIGTERM', `${name} exited unexpectedly (${signal ?? `code ${code}`})`);
  });
}

async function stop(signal: NodeJS.Signals, why = `${signal} received`): Promise<void> {
  if (stopping) {
    // a second Ctrl-C: do not wait for the drain
    children.forEach((child) => child.kill('SIGKILL'));
    return;
  }
  stopping = true;
  console.log(`[start] ${why}: stopping (a second Ctrl-C kills the api and the worker at once)`);
  await Promise.all(children.map((child) => exited(child, signal)));
  await stopServers();
  process.exit(exitCode);
}

function exited(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}

async function stopServers(): Promise<void> {
  for (const server of servers.splice(0).reverse()) await server.stop();
}

main().catch(async (error: unknown) => {
  console.error('[start] failed:', error instanceof Error ? error.message : error);
  await stopServers();
  process.exit(1);
});
