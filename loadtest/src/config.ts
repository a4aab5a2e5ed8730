// Every knob of the benchmark, read once from the environment. BENCH_SHORT=1 shrinks the
// phases to a ~1 minute smoke run; each duration can also be set on its own.
import { tmpdir } from 'node:os';
import { resolve } from 'node:path';
import { ROOT } from './processes';

const env = process.env;
const short = env.BENCH_SHORT === '1';

function int(name: string, full: number, smoke: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return short ? smoke : full;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer, got ${raw}`);
  return value;
}

/**
 * The peak load against API + worker started on a Redis setup of the phase's own (private
 * redis-server processes): the durability table. peak-local is the baseline of the ratios.
 */
export const DURABILITY_PHASES = ['peak-local', 'peak-aof-everysec', 'peak-aof-always', 'peak-replica'] as const;
export const PHASES = ['ceiling', 'peak', 'peak-jwt', 'sustained', 'seed', 'flash', 'drain', ...DURABILITY_PHASES] as const;
export type Phase = (typeof PHASES)[number];
export type DurabilityPhase = (typeof DURABILITY_PHASES)[number];

export const isDurabilityPhase = (phase: Phase): phase is DurabilityPhase => (DURABILITY_PHASES as readonly string[]).includes(phase);

/** Without BENCH_PHASES: every phase but the durability ones, which BENCH_DURABILITY=1 adds (~2 min more). */
function phases(): Phase[] {
  const durability = env.BENCH_DURABILITY === '1';
  if (!env.BENCH_PHASES) return PHASES.filter((p) => durability || !isDurabilityPhase(p));
  const wanted = env.BENCH_PHASES.split(',').map((p) => p.trim());
  const unknown = wanted.filter((p) => !(PHASES as readonly string[]).includes(p));
  if (unknown.length) throw new Error(`BENCH_PHASES: unknown phase ${unknown.join(', ')} (known: ${PHASES.join(', ')})`);
  return PHASES.filter((p) => wanted.includes(p) || (durability && isDurabilityPhase(p)));
}

export const config = {
  short,
  /** A running API to load instead of starting one (the drain phase then is skipped). */
  benchUrl: env.BENCH_URL || null,
  /** The server to create the bench database on (trust auth, as in dev and CI). */
  adminDatabaseUrl: env.BENCH_ADMIN_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  redisUrl: env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  adminToken: env.ADMIN_TOKEN ?? 'bench-admin-token',
  /** With BENCH_URL: the database, key prefix and PIDs of the running stack, for checks and RSS. */
  databaseUrl: env.DATABASE_URL ?? null,
  redisKeyPrefix: env.REDIS_KEY_PREFIX ?? 'coupon:',
  apiPid: env.BENCH_API_PID ? Number(env.BENCH_API_PID) : null,
  workerPid: env.BENCH_WORKER_PID ? Number(env.BENCH_WORKER_PID) : null,

  /**
   * Run the API and worker of another checkout (with its own node_modules), e.g. the commit
   * before a change, to measure before/after on the same machine in the same minutes.
   */
  appRoot: env.BENCH_APP_ROOT ? resolve(env.BENCH_APP_ROOT) : ROOT,
  phases: phases(),
  /** Whole passes over the phases; the table shows the median of each figure. */
  runs: int('BENCH_RUNS', 1, 1),
  apiProcesses: int('BENCH_API_PROCESSES', 2, 2),
  connections: int('BENCH_CONNECTIONS', 100, 100),
  warmupSeconds: int('BENCH_WARMUP_SECONDS', 3, 2),
  peakSeconds: int('BENCH_PEAK_SECONDS', 15, 5),
  /**
   * peak-jwt: tokens signed before the load, per second of it, when no peak phase ran before
   * to size the pool (else 1.5 × what peak accepted). Past the pool, tokens are signed live.
   */
  jwtTokensPerSecond: int('BENCH_JWT_TOKENS_PER_SECOND', 4000, 4000),
  sustainedRate: int('BENCH_SUSTAINED_RATE', 1500, 1500),
  sustainedSeconds: int('BENCH_SUSTAINED_SECONDS', 60, 10),
  /** Paced lanes (one connection each): more lanes tolerate slower answers at the same rate. */
  sustainedConnections: int('BENCH_SUSTAINED_CONNECTIONS', 100, 100),
  seedSeconds: int('BENCH_SEED_SECONDS', 15, 5),
  drainCount: int('BENCH_DRAIN_COUNT', 100_000, 10_000),
  /** flash: virtual users, each on one keep-alive connection, issuing then long-polling in a loop. */
  flashUsers: int('BENCH_FLASH_USERS', 200, 200),
  flashSeconds: int('BENCH_FLASH_SECONDS', 15, 5),
  /** flash: the `wait` of each long poll (API.md allows 0–20 s). */
  flashWaitSeconds: int('BENCH_FLASH_WAIT_SECONDS', 20, 20),
  /**
   * Where the durability phases' redis-servers keep their AOF (a temp dir under it): the
   * cost of `appendfsync always` is that file system's fsync, so not a tmpfs.
   */
  redisDir: resolve(env.BENCH_REDIS_DIR || tmpdir()),
  /** How long persistence may take to catch up before a check fails. */
  settleTimeoutMs: int('BENCH_SETTLE_TIMEOUT_MS', 120_000, 60_000),
  /** When set, the API and worker run under `node --cpu-prof` and write profiles there. */
  profileDir: env.BENCH_PROFILE_DIR || null,
  /** The apps' LOG_LEVEL: their default, so per-request logging costs what it costs in production. */
  logLevel: env.BENCH_LOG_LEVEL ?? 'info',
};

export type BenchConfig = typeof config;
