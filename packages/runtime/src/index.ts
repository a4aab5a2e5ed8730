export { createLogger, type Logger } from './logger';
export { commonEnv, durabilityEnv, parseEnv, redisTopologyProblems } from './env';
export {
  connectRedis, createRedis, isClusterClient, redisReady, deleteKeysMatching, redisTarget, type RedisTarget, type RedisTopologyConfig,
} from './redis';
export { waitForReplicas, type ReplicaAcks } from './replicas';
export { Batcher } from './batcher';
export { crashAt } from './fault';
export { PROBLEM_TYPE_BASE, problemBody, problemCodes } from './problem';
export { answersWithin } from './probe';
