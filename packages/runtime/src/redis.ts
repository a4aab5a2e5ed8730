import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { redisTopologyProblems } from './env';
import { followSwitchMaster } from './sentinel';

/** Where Redis is: one server (the default), a primary found through Sentinel, or a Cluster. */
export interface RedisTarget {
  /** redis:// or rediss:// URL; with clusterNodes or sentinels, only its credentials, TLS (and db) are used. */
  url: string;
  /** `host:port,host:port` seed nodes; the client discovers the rest of the cluster. */
  clusterNodes?: string;
  /** `host:port,host:port` sentinels; the client asks them where `sentinelMaster` is. */
  sentinels?: string;
  sentinelMaster?: string;
  sentinelPassword?: string;
}

export interface RedisTopologyConfig {
  REDIS_URL: string;
  REDIS_CLUSTER_NODES?: string;
  REDIS_SENTINELS?: string;
  REDIS_SENTINEL_MASTER?: string;
  REDIS_SENTINEL_PASSWORD?: string;
}

/** The target a parsed configuration names; throws on a contradictory one (parseEnv reports it first). */
export function redisTarget(config: RedisTopologyConfig): RedisTarget {
  const problems = redisTopologyProblems(config);
  if (problems.length) throw new Error(`invalid Redis topology:\n${problems.map((p) => `  ${p.path}: ${p.message}`).join('\n')}`);
  return {
    url: config.REDIS_URL,
    clusterNodes: config.REDIS_CLUSTER_NODES,
    sentinels: config.REDIS_SENTINELS,
    sentinelMaster: config.REDIS_SENTINEL_MASTER,
    sentinelPassword: config.REDIS_SENTINEL_PASSWORD,
  };
}

interface ClusterOnly {
  /** On a Cluster: SSUBSCRIBE on the node that owns each channel's slot (a subscriber's need). */
  shardedSubscribers?: boolean;
}

/**
 * A client for the target with exactly these options: ioredis, BullMQ and Bull Board all
 * connect through here, so one setting moves all of them to another topology.
 *
 * A cluster client is handed out typed as `Redis`: the service only sends single-slot
 * commands (every coupon key carries `{c:<id>}`, BullMQ's prefix its own hash tag), Lua
 * scripts registered with defineCommand, and waits on the same events, all of which
 * ioredis's Cluster offers under the same names. Commands that span nodes (SCAN, KEYS,
 * FLUSHDB) would see one node only, and the service uses none.
 */
/** Whether a client from connectRedis (typed as `Redis` either way) is in fact a Cluster. */
export function isClusterClient(client: Redis): boolean {
  return (client as unknown as { isCluster?: boolean }).isCluster === true;
}

export function connectRedis(target: string | RedisTarget, options: RedisOptions & ClusterOnly = {}): Redis {
  const t: RedisTarget = typeof target === 'string' ? { url: target } : target;
  const { shardedSubscribers, ...redisOptions } = options;
  if (t.sentinels) return connectSentinel(t, redisOptions);
  if (!t.clusterNodes) return new Redis(t.url, redisOptions);
  const { keyPrefix, enableOfflineQueue, enableAutoPipelining, ...nodeOptions } = redisOptions;
  const cluster = new Cluster(parseNodes(t.clusterNodes), {
    keyPrefix,
    enableOfflineQueue,
    enableAutoPipelining,
    shardedSubscribers,
    redisOptions: { ...credentialsOf(t.url), ...nodeOptions },
  });
  return cluster as unknown as Redis;
}

/**
 * A client of whichever server the sentinels name primary. After a failover it follows
 * without a restart: a dropped connection reconnects (retryStrategy, also with the API's
 * fail-fast options: those fail the commands sent meanwhile, not the reconnection) and asks
 * the sentinels again; ioredis's ready check refuses a server whose role is not master.
 * A primary replaced while alive (a manual failover, a healed partition) is left as soon as
 * a sentinel announces +switch-master (followSwitchMaster); a READONLY reply, from a primary
 * demoted before that, reconnects too (the command fails, like any during a failover).
 *
 * ioredis's `failoverDetector` stays off: a +switch-master that reaches a client while it is
 * asking a sentinel for the primary ends that client for good ("Connection is closed."),
 * seen in the chaos failover and reproduced by test/sentinel/connection.test.ts.
 */
function connectSentinel(t: RedisTarget, options: RedisOptions): Redis {
  const credentials = credentialsOf(t.url);
  const tls = credentials.tls;
  // a Cluster has only database 0; a Sentinel-watched primary has them all, like one server
  const db = Number(new URL(t.url).pathname.slice(1)) || 0;
  const sentinels = parseNodes(t.sentinels!);
  const client = new Redis({
    sentinels,
    name: t.sentinelMaster,
    sentinelPassword: t.sentinelPassword,
    ...credentials,
    db,
    // rediss:// means TLS to the primary and to the sentinels alike
    ...(tls ? { enableTLSForSentinelMode: true, sentinelTLS: tls } : {}),
    reconnectOnError: (error) => error.message.startsWith('READONLY'),
    ...options,
  });
  followSwitchMaster(client, sentinels, t.sentinelMaster!, { password: t.sentinelPassword, tls, connectTimeout: options.connectTimeout });
  return client;
}

/** The connection reservations and reads use: auto-pipelined, fails fast when Redis is down. */
export function createRedis(target: string | RedisTarget, options: RedisOptions = {}): Redis {
  return connectRedis(target, {
    enableAutoPipelining: true,
    // a request must not hang waiting for a Redis that is gone: fail it, answer 503
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    connectTimeout: 2000,
    ...options,
  });
}

function parseNodes(list: string): { host: string; port: number }[] {
  return list.split(',').map((node) => {
    const [host, port] = node.trim().split(':');
    return { host: host!, port: Number(port) };
  });
}

function credentialsOf(url: string): RedisOptions {
  const parsed = new URL(url);
  return {
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    ...(parsed.protocol === 'rediss:' ? { tls: {} } : {}),
  };
}

/** Resolves once the connection is ready (commands fail fast before that: no offline queue). */
export function redisReady(redis: Redis, timeoutMs = 10_000): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Redis not ready after ${timeoutMs} ms`)), timeoutMs);
    redis.once('ready', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/**
 * Deletes the keys matching each glob pattern, by SCAN: for tests and tools that share a
 * Redis server and must remove only their own keys. Single server only (a cluster client
 * would scan one node).
 */
export async function deleteKeysMatching(redis: Redis, patterns: string[]): Promise<void> {
  for (const pattern of patterns) {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  }
}
