// The system under test: its own database and Redis prefixes on the shared servers, the API
// (node:cluster), the worker and the ceiling server as child processes on free ports.
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { deleteKeysMatching } from '@coupon/runtime';
import pg from 'pg';
import type { BenchConfig } from './config';
import { JWT_AUDIENCE, JWT_ISSUER, createSigner, type BenchSigner } from './jwt';
import { freePort, waitForHttp, withDatabase } from '@coupon/test/support/net';
import { redisServerPid, spawnNode, type Child } from './processes';

export interface Stack {
  apiUrl: string;
  ceilingUrl: string;
  /** A second API on the same database, Redis and worker, in AUTH_MODE=jwt (for peak-jwt only). */
  jwt: { url: string; signer: BenchSigner; pid(): number | null } | null;
  db: pg.Pool;
  redis: Redis;
  keyPrefix: string;
  api: Child | null;
  worker: Child | null;
  /** Stops the worker (it finishes the batch in hand), or starts a fresh one. */
  stopWorker(): Promise<void>;
  startWorker(): Promise<void>;
  apiPid(): number | null;
  workerPid(): number | null;
  ceilingPid(): number;
  /** The redis-server process(es) the apps use, by role ('redis', 'replica'): for the CPU meter. */
  redisPids(): Record<string, number | null>;
  close(): Promise<void>;
}

export async function startStack(config: BenchConfig): Promise<Stack> {
  const ceiling = await startCeiling(config);
  try {
    if (config.benchUrl) return await useRunningStack(config, ceiling);
    return await startOwnStack(config, {
      ceiling: { url: ceiling.url, pid: ceiling.child.pid },
      stopCeiling: () => ceiling.child.stop(),
      redisUrl: config.redisUrl,
      withJwt: config.phases.includes('peak-jwt'),
      redisPids: () => sharedRedisPid(config),
    });
  } catch (error) {
    await ceiling.child.stop();
    throw error;
  }
}

/** The shared redis-server (others may run private ones here: found by its port). */
function sharedRedisPid(config: BenchConfig) {
  return { redis: redisServerPid(Number(new URL(config.redisUrl).port || 6379)) };
}

/** How long a child may take to answer once spawned (the API migrates and forks first). */
const STARTUP_MS = 60_000;

/** Where the children's output goes (kept after the run, for a look when something failed). */
export const LOG_DIR = join(tmpdir(), 'coupon-bench');

async function startCeiling(config: BenchConfig) {
  mkdirSync(LOG_DIR, { recursive: true });
  const port = await freePort();
  const child = spawnNode('loadtest/src/ceiling-server.ts', { PORT: String(port), CEILING_PROCESSES: String(config.apiProcesses) }, join(LOG_DIR, 'ceiling.log'));
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/healthz`, child, STARTUP_MS);
  return { child, url };
}

async function useRunningStack(config: BenchConfig, ceiling: { child: Child; url: string }): Promise<Stack> {
  if (!config.databaseUrl) throw new Error('BENCH_URL needs DATABASE_URL (and REDIS_KEY_PREFIX, ADMIN_TOKEN) of that stack for the checks');
  const db = new pg.Pool({ connectionString: config.databaseUrl, max: 2 });
  const redis = new Redis(config.redisUrl);
  return {
    apiUrl: config.benchUrl!.replace(/\/$/, ''),
    ceilingUrl: ceiling.url,
    jwt: null,
    db,
    redis,
    keyPrefix: config.redisKeyPrefix,
    api: null,
    worker: null,
    stopWorker: () => Promise.reject(new Error('cannot stop the worker of a running stack')),
    startWorker: () => Promise.reject(new Error('cannot start the worker of a running stack')),
    apiPid: () => config.apiPid,
    workerPid: () => config.workerPid,
    ceilingPid: () => ceiling.child.pid,
    redisPids: () => sharedRedisPid(config),
    async close() {
      await ceiling.child.stop();
      await db.end();
      redis.disconnect();
    },
  };
}

export interface OwnStackOptions {
  ceiling: { url: string; pid: number };
  /** The main stack stops the ceiling server with itself; a durability variant only borrows it. */
  stopCeiling?: () => Promise<void>;
  redisUrl: string;
  /** More environment for the API and worker (e.g. ISSUANCE_DURABILITY). */
  env?: Record<string, string>;
  withJwt: boolean;
  redisPids(): Record<string, number | null>;
}

/** The bench's own database (created now) and Redis key prefixes, and how to remove them all. */
async function createSlice(config: BenchConfig, redisUrl: string) {
  const name = `coupon_bench_${randomBytes(4).toString('hex')}`;
  const keyPrefix = `${name}:`;
  const queuePrefix = `{${name}-bull}`;
  const admin = new pg.Client({ connectionString: config.adminDatabaseUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const databaseUrl = withDatabase(config.adminDatabaseUrl, name);
  const redis = new Redis(redisUrl);
  const db = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  const drop = async () => {
    await db.end().catch(() => {});
    await deleteKeysMatching(redis, [`${keyPrefix}*`, `${queuePrefix}*`]).catch((e) => console.error('redis cleanup failed', e));
    redis.disconnect();
    const dropper = new pg.Client({ connectionString: config.adminDatabaseUrl });
    await dropper.connect();
    await dropper.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await dropper.end();
  };
  return { name, databaseUrl, keyPrefix, queuePrefix, db, redis, drop };
}

/** What the bench's API and worker are started with. */
function appEnv(config: BenchConfig, options: OwnStackOptions, slice: { databaseUrl: string; keyPrefix: string; queuePrefix: string }) {
  return {
    DATABASE_URL: slice.databaseUrl,
    REDIS_URL: options.redisUrl,
    REDIS_KEY_PREFIX: slice.keyPrefix,
    QUEUE_PREFIX: slice.queuePrefix,
    ADMIN_TOKEN: config.adminToken,
    LOG_LEVEL: config.logLevel,
    MIGRATE_ON_START: 'true',
    HOST: '127.0.0.1',
    ...options.env,
  };
}

/** A fresh database and key prefixes, the API and the worker (and the jwt API when asked). */
export async function startOwnStack(config: BenchConfig, options: OwnStackOptions): Promise<Stack> {
  const { ceiling } = options;
  const slice = await createSlice(config, options.redisUrl);
  const { name, databaseUrl, keyPrefix, queuePrefix, db, redis } = slice;

  const profile = config.profileDir ? profileArgs(config.profileDir) : [];
  const common = appEnv(config, options, { databaseUrl, keyPrefix, queuePrefix });
  const apiPort = await freePort();
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  let api: Child | null = null;
  let jwtApi: Child | null = null;
  let worker: Child | null = null;
  const signer = options.withJwt ? createSigner() : null;
  const jwtPort = await freePort();

  const startWorker = async () => {
    const port = await freePort();
    worker = spawnNode('apps/worker/src/main.ts', { ...common, WORKER_PORT: String(port) }, join(LOG_DIR, `${name}-worker.log`), profile, config.appRoot);
    await waitForHttp(`http://127.0.0.1:${port}/readyz`, worker, STARTUP_MS);
  };
  const close = async () => {
    await Promise.allSettled([options.stopCeiling?.(), api?.stop(), (jwtApi as Child | null)?.stop(), (worker as Child | null)?.stop()]);
    await slice.drop();
  };

  try {
    api = spawnNode('apps/api/src/main.ts', { ...common, PORT: String(apiPort), API_PROCESSES: String(config.apiProcesses) }, join(LOG_DIR, `${name}-api.log`), profile, config.appRoot);
    await waitForHttp(`${apiUrl}/readyz`, api, STARTUP_MS);
    if (signer) {
      // the same API but for the user tokens it verifies; migrations are done by now
      const auth = { AUTH_MODE: 'jwt', JWT_PUBLIC_KEY: signer.publicPem, JWT_ISSUER, JWT_AUDIENCE, MIGRATE_ON_START: 'false' };
      jwtApi = spawnNode('apps/api/src/main.ts', { ...common, ...auth, PORT: String(jwtPort), API_PROCESSES: String(config.apiProcesses) }, join(LOG_DIR, `${name}-api-jwt.log`), profile, config.appRoot);
      await waitForHttp(`http://127.0.0.1:${jwtPort}/readyz`, jwtApi, STARTUP_MS);
    }
    await startWorker();
  } catch (error) {
    await close();
    throw error;
  }
  return {
    apiUrl, ceilingUrl: ceiling.url, db, redis, keyPrefix,
    jwt: signer && { url: `http://127.0.0.1:${jwtPort}`, signer, pid: () => (jwtApi as Child | null)?.pid ?? null },
    get api() { return api; },
    get worker() { return worker; },
    async stopWorker() {
      await (worker as Child | null)?.stop();
      worker = null;
    },
    startWorker,
    apiPid: () => api?.pid ?? null, workerPid: () => (worker as Child | null)?.pid ?? null, ceilingPid: () => ceiling.pid,
    redisPids: options.redisPids,
    close,
  };
}

function profileArgs(dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  // cluster.fork() passes the primary's execArgv on, so every API process writes a profile
  return ['--cpu-prof', `--cpu-prof-dir=${dir}`];
}

