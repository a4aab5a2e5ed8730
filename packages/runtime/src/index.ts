export { createLogger, type Logger } from './logger';
export { commonEnv, parseEnv } from './env';
export { connectRedis, createRedis, redisReady, deleteKeysMatching, redisTarget, type RedisTarget } from './redis';
export { Batcher } from './batcher';
export { crashNow } from './fault';
