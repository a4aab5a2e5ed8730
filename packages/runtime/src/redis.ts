import { Redis, type RedisOptions } from 'ioredis';

/** The connection reservations and reads use: auto-pipelined, fails fast when Redis is down. */
export function createRedis(url: string, options: RedisOptions = {}): Redis {
  return new Redis(url, {
    enableAutoPipelining: true,
    // a request must not hang waiting for a Redis that is gone: fail it, answer 503
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    connectTimeout: 2000,
    ...options,
  });
}
