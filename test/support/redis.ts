import { Redis } from 'ioredis';
import { deleteKeysMatching } from '@coupon/runtime';
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
      await deleteKeysMatching(redis, [`${keyPrefix}*`, `${queuePrefix}*`]);
      redis.disconnect();
    },
  };
}
