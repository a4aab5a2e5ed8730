export { createLogger, type Logger } from './logger';
export { commonEnv, parseEnv } from './env';
export { createRedis, redisReady } from './redis';
