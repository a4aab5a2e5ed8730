import { Redis } from 'ioredis';
import { TEST_REDIS_URL, uniqueName } from './servers';

export interface TestRedis {
  redis: Redis;
  keyPrefix: string;
  queuePrefix: string;
  /** Deletes this file's keys only: the server is shared. */
  cleanup(): Promise<void>;
}

export function createTestRedis(): TestRedis {
  const name = uniqueName('t');
  const keyPrefix = `${name}:`;
  const queuePrefix = `{${name}-bull}`;
  const redis = new Redis(TEST_REDIS_URL);
  return {
    redis,
    keyPrefix,
    queuePrefix,
    async cleanup() {
      for (const pattern of [`${keyPrefix}*`, `${queuePrefix}*`]) {
        let cursor = '0';
        do {
          const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
          if (keys.length) await redis.del(...keys);
          cursor = next;
        } while (cursor !== '0');
      }
      redis.disconnect();
    },
  };
}
