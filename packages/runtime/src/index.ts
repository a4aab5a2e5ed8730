export { createLogger, type Logger } from './logger';
export { commonEnv, parseEnv } from './env';
export { createRedis } from './redis';
