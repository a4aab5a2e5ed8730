import { writeFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import type { Kysely } from 'kysely';
import pg from 'pg';
import { connectRedis, redisTarget } from '@coupon/runtime';
import { createDb, migrateToLatest, type Database } from '@coupon/db';
import type { CouponBody } from '../../support/builders';
import { createCoupon } from '../../support/coupons';
import { FAST_RECOVERY } from '../../support/env';
import { beforeAllValue } from '../../support/hooks';
import { createPrivatePostgres, type PrivatePostgres } from '../../support/private-postgres';
import { createPrivateRedis, type PrivateRedis } from '../../support/private-redis';
import { createPrivateSentinel, type PrivateSentinel } from '../../support/private-sentinel';
import { spawnApp, type Child } from '../../support/processes';
import { freePort, waitForHttp } from '../../support/net';

export const ADMIN_TOKEN = 'chaos-admin-token';
const KEY_PREFIX = 'chaos:';
const QUEUE_PREFIX = '{chaos-bull}';

export interface App {
  name: string;
  port: number;
  url: string;
  child: Child | null;
  /** Starts (or restarts) the process on the same port; resolves once /healthz answers. */
  start(extra?: Record<string, string>): Promise<void>;
  /** Sends the signal to this process and resolves with its exit code or signal name. */
  kill(signal: NodeJS.Signals): Promise<number | string>;
  output(): string;
  /** Exits this process made on its own (crashes), as "name: code". */
  crashes: string[];
  /** Set by a test whose fault makes this process exit (FAULT_CRASH_AT): its exits are not crashes. */
  exitsExpected: boolean;
}

export interface Stack<R = PrivateRedis> {
  pg: PrivatePostgres;
  /** The private Redis: one server, or (startSentinelStack) a primary, a replica and three sentinels. */
  redis: R;
  /** Environment of the api and worker processes. */
  vars: Record<string, string>;
  db: Kysely<Database>;
  /** Unprefixed client of the private Redis (keys are `chaos:{c:<id>}:...`); follows a Sentinel failover. */
  redisClient: Redis;
  keyPrefix: string;
  queuePrefix: string;
  apis: App[];
  worker: App;
  destroyed: boolean;
  createCoupon(body?: CouponBody): Promise<number>;
  /** Processes that exited without being told to: each one is a failure of the service. */
  crashes(): string[];
  /** Run first by destroy(), e.g. to stop a load client a failed test left running. */
  onDestroy(fn: () => Promise<unknown>): void;
  destroy(): Promise<void>;
}

export interface StackOptions {
  /** Extra redis-server arguments (AOF settings). */
  redisArgs?: string[];
  apis?: number;
  apiVars?: Record<string, string>;
  /** Extra environment per API process, by index. */
  apiVarsEach?: Record<string, string>[];
  workerVars?: Record<string, string>;
}

/** What a stack needs of its Redis, whichever the topology. */
interface RedisSetup<R> {
  redis: R;
  /** How the api and worker processes reach it. */
  vars: Record<string, string>;
  client(): Redis;
  destroy(): Promise<void>;
}

/**
 * Registers the file's hooks: beforeAll starts the stack, afterAll destroys it. The getter
 * throws if read before beforeAll ran, or after it failed.
 */
export function useStack<R>(start: () => Promise<Stack<R>>): () => Stack<R> {
  return beforeAllValue('the chaos stack', start, (stack) => stack.destroy());
}

/** Private PostgreSQL and Redis on ports of their own, the schema, one worker and N API processes. */
export function startStack(options: StackOptions = {}): Promise<Stack> {
  return launch(options, async () => {
    const redis = await createPrivateRedis(options.redisArgs ?? []);
    return { redis, vars: { REDIS_URL: redis.url }, client: () => new Redis(redis.url, { maxRetriesPerRequest: null }), destroy: () => redis.destroy() };
  });
}

/** The same on a private Sentinel topology: the processes get REDIS_SENTINELS, never an address. */
export function startSentinelStack(options: StackOptions = {}): Promise<Stack<PrivateSentinel>> {
  return launch(options, async () => {
    const topology = await createPrivateSentinel(options.redisArgs ?? []);
    const vars = { REDIS_SENTINELS: topology.sentinels, REDIS_SENTINEL_MASTER: topology.masterName };
    const target = redisTarget({ REDIS_URL: 'redis://127.0.0.1:6379', ...vars }); // the URL lends nothing here
    return { redis: topology, vars, client: () => connectRedis(target, { maxRetriesPerRequest: null }), destroy: () => topology.destroy() };
  });
}

/** A migrated `coupons` database on the private server. */
async function migratedDatabase(pgServer: PrivatePostgres) {
  const admin = new pg.Client({ connectionString: pgServer.url() });
  await admin.connect();
  await admin.query('CREATE DATABASE coupons');
  await admin.end();
  const db = createDb(pgServer.url('coupons'), { max: 4 });
  await migrateToLatest(db);
  return db;
}

/** The environment every app of the stack shares. */
function stackVars(pgServer: PrivatePostgres, redisVars: Record<string, string>): Record<string, string> {
  return {
    DATABASE_URL: pgServer.url('coupons'),
    ...redisVars,
    REDIS_KEY_PREFIX: KEY_PREFIX,
    QUEUE_PREFIX,
    ADMIN_TOKEN,
    LOG_LEVEL: process.env.CHAOS_LOG_LEVEL ?? 'warn',
    MIGRATE_ON_START: 'false',
    API_PROCESSES: '1',
    HOST: '127.0.0.1',
    SHUTDOWN_GRACE_MS: '10000',
    // the load repeats some users on purpose; the per-user limit has its own tests
    RATE_LIMIT_USER_ISSUE: '0',
    ...FAST_RECOVERY,
  };
}

async function launch<R>(options: StackOptions, setupRedis: () => Promise<RedisSetup<R>>): Promise<Stack<R>> {
  const [pgServer, setup] = await Promise.all([createPrivatePostgres(), setupRedis()]);
  const redis = setup.redis;
  const db = await migratedDatabase(pgServer);
  const vars = stackVars(pgServer, setup.vars);
  const apis: App[] = [];
  for (let i = 0; i < (options.apis ?? 1); i++) {
    const port = await freePort();
    apis.push(app(`api${i + 1}`, 'api', port, '/healthz', { ...vars, ...options.apiVars, ...options.apiVarsEach?.[i], PORT: String(port) }));
  }
  const workerPort = await freePort();
  const worker = app('worker', 'worker', workerPort, '/healthz', { ...vars, ...options.workerVars, WORKER_PORT: String(workerPort) });
  await Promise.all([worker.start(), ...apis.map((a) => a.start())]);

  const redisClient = setup.client();
  redisClient.on('error', () => {}); // a failover refuses connections for a while; commands retry
  const cleanups: (() => Promise<unknown>)[] = [];
  const stack: Stack<R> = {
    pg: pgServer,
    redis,
    vars,
    db,
    redisClient,
    keyPrefix: KEY_PREFIX,
    queuePrefix: QUEUE_PREFIX,
    apis,
    worker,
    createCoupon: (body = {}) => createCoupon({ url: apis[0]!.url, adminToken: ADMIN_TOKEN }, body),
    destroyed: false,
    crashes: () => [worker, ...apis].flatMap((a) => a.crashes),
    onDestroy: (fn) => cleanups.push(fn),
    async destroy() {
      stack.destroyed = true;
      await Promise.allSettled(cleanups.map((fn) => fn()));
      if (process.env.CHAOS_DUMP) {
        for (const a of [worker, ...apis]) writeFileSync(`${process.env.CHAOS_DUMP}-${a.name}.log`, a.output());
      }
      await Promise.all([worker, ...apis].map((a) => a.kill('SIGKILL')));
      redisClient.disconnect();
      await db.destroy().catch(() => {});
      await Promise.all([pgServer.destroy(), setup.destroy()]);
    },
  };
  return stack;
}

function app(name: string, kind: 'api' | 'worker', port: number, health: string, env: Record<string, string>): App {
  let log = '';
  const expected = new WeakSet<Child>(); // children this harness killed, or told to crash
  const self: App = {
    name,
    port,
    url: `http://127.0.0.1:${port}`,
    child: null,
    async start(extra = {}) {
      self.child = spawnApp(kind, { ...env, ...extra });
      const child = self.child;
      void child.exited.then((code) => {
        log += child.output();
        if (self.child === child && !expected.has(child) && !self.exitsExpected) self.crashes.push(`${name}: ${code}`);
      });
      // a process whose fault fires at its first request may die before /healthz answers
      await Promise.race([
        waitForHttp(`${self.url}${health}`, child, 60_000),
        child.exited.then((code) => {
          if (!self.exitsExpected) throw new Error(`${name} exited (${code}) while starting:\n${child.output()}`);
        }),
      ]);
    },
    async kill(signal) {
      const child = self.child;
      if (!child) return 'not running';
      expected.add(child);
      const result = await child.kill(signal);
      self.child = null;
      return result;
    },
    output: () => log + (self.child?.output() ?? ''),
    crashes: [],
    exitsExpected: false,
  };
  return self;
}
