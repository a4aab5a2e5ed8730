// The Redis setups of the durability table (issue 13): each phase starts redis-server
// processes of its own and an API + worker of its own (own database too, so that neither
// its reconciler nor the main stack's walks the other's coupons) and stops them after.
import type { BenchConfig, DurabilityPhase } from './config';
import { startRedisSetup, type RedisSetup } from './redis-servers';
import { LOG_DIR, startOwnStack, type Stack } from './stack';

export interface DurabilitySetup {
  /** How the table names it. */
  label: string;
  /** redis-server arguments of the primary, after `--appendonly no --save ""`. */
  redisArgs: string[];
  withReplica: boolean;
  /** The API's (and worker's) durability settings. */
  env: Record<string, string>;
}

export const DURABILITY_SETUPS: Record<DurabilityPhase, DurabilitySetup> = {
  'peak-local': { label: '`local`, no AOF', redisArgs: [], withReplica: false, env: { ISSUANCE_DURABILITY: 'local' } },
  'peak-aof-everysec': {
    label: '`local`, AOF `appendfsync everysec`',
    redisArgs: ['--appendonly', 'yes', '--appendfsync', 'everysec'],
    withReplica: false,
    env: { ISSUANCE_DURABILITY: 'local' },
  },
  'peak-aof-always': {
    label: '`local`, AOF `appendfsync always`',
    redisArgs: ['--appendonly', 'yes', '--appendfsync', 'always'],
    withReplica: false,
    env: { ISSUANCE_DURABILITY: 'local' },
  },
  'peak-replica': {
    label: '`replica`, 1 replica (AOF off on both)',
    redisArgs: [],
    withReplica: true,
    env: { ISSUANCE_DURABILITY: 'replica', REDIS_MIN_REPLICAS: '1' },
  },
};

export type DurabilityStack = Stack & { redisSetup: RedisSetup };

/** Durability stacks not yet closed: Ctrl-C closes them too. */
const running = new Set<Stack>();

/** Private Redis for `phase`, then a fresh API + worker on it (the main stack's ceiling server is only borrowed). */
export async function startDurabilityStack(config: BenchConfig, main: Stack, phase: DurabilityPhase): Promise<DurabilityStack> {
  const setup = DURABILITY_SETUPS[phase];
  const redisSetup = await startRedisSetup(config.redisDir, setup.redisArgs, setup.withReplica, LOG_DIR);
  let stack: Stack;
  try {
    stack = await startOwnStack(config, {
      ceiling: { url: main.ceilingUrl, pid: main.ceilingPid() },
      redisUrl: redisSetup.url,
      env: setup.env,
      withJwt: false,
      redisPids: () => ({ redis: redisSetup.primary.pid, ...(redisSetup.replica ? { replica: redisSetup.replica.pid } : {}) }),
    });
  } catch (error) {
    await redisSetup.close();
    throw error;
  }
  const closeApps = stack.close;
  stack.close = async () => {
    running.delete(stack);
    try {
      await closeApps();
    } finally {
      await redisSetup.close();
    }
  };
  running.add(stack);
  return Object.assign(stack, { redisSetup });
}

export async function closeDurabilityStacks(): Promise<void> {
  await Promise.allSettled([...running].map((stack) => stack.close()));
}
