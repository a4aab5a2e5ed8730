import { Cluster, Redis, type RedisOptions } from 'ioredis';

/** Where Redis is: one server (the default), or the seed nodes of a Redis Cluster. */
export interface RedisTarget {
  /** redis:// or rediss:// URL; with clusterNodes, only its credentials and TLS are used. */
  url: string;
  /** `host:port,host:port` seed nodes; the client discovers the rest of the cluster. */
  clusterNodes?: string;
}

export function redisTarget(config: { REDIS_URL: string; REDIS_CLUSTER_NODES?: string }): RedisTarget {
  return { url: config.REDIS_URL, clusterNodes: config.REDIS_CLUSTER_NODES };
}

/**
 * A client for the target with exactly these options. For a cluster, the node-level options
 * (timeouts, retries, credentials) go to every node and the rest to the cluster client.
 *
 * A cluster client is handed out typed as `Redis`: the service only sends single-slot
 * commands (every coupon key carries `{c:<id>}`, BullMQ's prefix its own hash tag), Lua
 * scripts registered with defineCommand, and waits on the same events, all of which
 * ioredis's Cluster offers under the same names. Commands that span nodes (SCAN, KEYS,
 * FLUSHDB) would see one node only, and the service uses none.
 */
export function connectRedis(target: string | RedisTarget, options: RedisOptions = {}): Redis {
  const { url, clusterNodes } = typeof target === 'string' ? { url: target, clusterNodes: undefined } : target;
  if (!clusterNodes) return new Redis(url, options);
  const { keyPrefix, enableOfflineQueue, enableAutoPipelining, ...nodeOptions } = options;
  const cluster = new Cluster(parseNodes(clusterNodes), {
    keyPrefix,
    enableOfflineQueue,
    enableAutoPipelining,
    redisOptions: { ...credentialsOf(url), ...nodeOptions },
  });
  return cluster as unknown as Redis;
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
