import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { REDIS_START_MS, freePort, redisAnswers, stopChild, withRedisClient } from './net';
import { eventually } from './processes';

/**
 * Replicated Redis of the test's own: redis-server processes on free ports in a temp dir,
 * each stopped by its own pid. The machine's shared Redis is never touched.
 *
 * createPrivateReplication(): a primary and one replica. createPrivateSentinel(): the same
 * watched by three sentinels (quorum 2) with short timeouts, so a failover takes ~1-3 s.
 */
export interface RedisNode {
  port: number;
  url: string;
  /** Its data directory (AOF everysec); wipe() deletes it. */
  dir: string;
  /** Starts the server, empty or from its data dir, as a replica of `replicaOf` if given. */
  start(replicaOf?: number): Promise<void>;
  /** SIGKILL by its own pid: the abrupt kind of failure. */
  kill(): Promise<void>;
  /** Deletes the data directory (a lost disk); the next start() begins empty. */
  wipe(): void;
  /** SIGSTOP / SIGCONT: a node that stops answering, then resumes where it was. */
  pause(): void;
  resume(): void;
  /** On a primary: closes its replicas' links (CLIENT KILL TYPE replica); they reconnect when they can. */
  dropReplicas(): Promise<void>;
}

export interface PrivateReplication {
  primary: RedisNode;
  replica: RedisNode;
  /** Resolves once the replica's link is up and it has acknowledged the primary's offset. */
  synced(): Promise<void>;
  destroy(): Promise<void>;
}

export interface PrivateSentinel {
  /** The name the sentinels monitor: REDIS_SENTINEL_MASTER. */
  masterName: string;
  /** host:port,host:port,host:port: REDIS_SENTINELS. */
  sentinels: string;
  nodes: RedisNode[];
  /** The node every sentinel names primary now. */
  primary(): Promise<RedisNode>;
  /** The node that is not the primary. */
  replica(): Promise<RedisNode>;
  /** kill -9 of the primary and its data directory deleted; returns the node. */
  killPrimary(): Promise<RedisNode>;
  /** Resolves with the new primary once every sentinel names another node and it is a master. */
  waitForPromotion(old: RedisNode, ms?: number): Promise<RedisNode>;
  /** Starts a node (the old primary, empty) as a replica of the current primary. */
  rejoinAsReplica(node: RedisNode): Promise<void>;
  destroy(): Promise<void>;
}

const MASTER = 'coupon-primary';
const SENTINELS = 3;
const QUORUM = 2;
/** A replica syncing, a failover, sentinels discovering each other. */
const SYNC_MS = 30_000;

/** `redisArgs`: extra redis-server arguments for both nodes (their roles swap on a failover). */
export async function createPrivateReplication(redisArgs: string[] = []): Promise<PrivateReplication> {
  const root = mkdtempSync(join(tmpdir(), 'coupon-replication-'));
  const [primary, replica] = [await redisNode(root, redisArgs), await redisNode(root, redisArgs)];
  const destroy = async () => {
    await Promise.all([primary.kill(), replica.kill()]);
    rmSync(root, { recursive: true, force: true });
  };
  try {
    await primary.start();
    await replica.start(primary.port);
    await linkUp(replica);
  } catch (error) {
    await destroy();
    throw error;
  }
  return { primary, replica, synced: () => caughtUp(primary), destroy };
}

export async function createPrivateSentinel(redisArgs: string[] = []): Promise<PrivateSentinel> {
  const replication = await createPrivateReplication(redisArgs);
  const root = mkdtempSync(join(tmpdir(), 'coupon-sentinel-'));
  const sentinels: ChildProcess[] = [];
  const ports: number[] = [];
  const nodes = [replication.primary, replication.replica];
  const destroy = async () => {
    await Promise.all(sentinels.map((sentinel) => stopChild(sentinel)));
    await replication.destroy();
    rmSync(root, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < SENTINELS; i++) {
      const port = await freePort();
      ports.push(port);
      sentinels.push(startSentinel(root, port, replication.primary.port));
    }
    await Promise.all(ports.map((port) => sentinelSeesAll(port)));
  } catch (error) {
    await destroy();
    throw error;
  }
  const namedPrimary = async () => {
    const named = await Promise.all(ports.map((port) => askSentinel(port, (s) => s.call('SENTINEL', 'get-master-addr-by-name', MASTER))));
    const primaryPorts = new Set(named.map((reply) => Number((reply as string[])[1])));
    return primaryPorts.size === 1 ? nodes.find((n) => primaryPorts.has(n.port)) : undefined;
  };
  const self: PrivateSentinel = {
    masterName: MASTER,
    sentinels: ports.map((p) => `127.0.0.1:${p}`).join(','),
    nodes,
    primary: () => eventually(namedPrimary, REDIS_START_MS, 'the sentinels to agree on a primary'),
    async replica() {
      const primary = await self.primary();
      return nodes.find((n) => n !== primary)!;
    },
    async killPrimary() {
      const primary = await self.primary();
      await primary.kill();
      primary.wipe();
      return primary;
    },
    waitForPromotion(old, ms = SYNC_MS) {
      return eventually(async () => {
        const named = await namedPrimary();
        if (!named || named === old) return undefined;
        return (await role(named)) === 'master' ? named : undefined;
      }, ms, `a sentinel failover away from port ${old.port}`);
    },
    async rejoinAsReplica(node) {
      const primary = await self.primary();
      await node.start(primary.port);
      await linkUp(node);
    },
    destroy,
  };
  return self;
}

async function redisNode(root: string, extraArgs: string[]): Promise<RedisNode> {
  const port = await freePort();
  const dir = join(root, `node-${port}`);
  let child: ChildProcess | null = null;
  const self: RedisNode = {
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    async start(replicaOf) {
      mkdirSync(dir, { recursive: true });
      child = spawn('redis-server', [
        '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--logfile', join(root, `node-${port}.log`),
        '--save', '', '--appendonly', 'yes', '--appendfsync', 'everysec',
        // a (re)joining replica syncs at once rather than after the default 5 s
        '--repl-diskless-sync-delay', '0',
        ...(replicaOf ? ['--replicaof', '127.0.0.1', String(replicaOf)] : []),
        ...extraArgs,
      ], { stdio: 'ignore' });
      await eventually(async () => ((await redisAnswers(self.url)) ? true : undefined), REDIS_START_MS, `redis-server on ${port}`);
    },
    async kill() {
      const running = child;
      child = null;
      if (running) await stopChild(running);
    },
    wipe: () => rmSync(dir, { recursive: true, force: true }),
    pause: () => void child?.kill('SIGSTOP'),
    resume: () => void child?.kill('SIGCONT'),
    dropReplicas: () => withClient(port, async (c) => void (await c.client('KILL', 'TYPE', 'replica'))),
  };
  return self;
}

function startSentinel(root: string, port: number, primaryPort: number): ChildProcess {
  const config = join(root, `sentinel-${port}.conf`);
  writeFileSync(config, [
    `port ${port}`,
    'bind 127.0.0.1',
    `dir ${root}`,
    `logfile ${join(root, `sentinel-${port}.log`)}`,
    `sentinel monitor ${MASTER} 127.0.0.1 ${primaryPort} ${QUORUM}`,
    // the primary is down after 1 s without an answer; a failover that stalls is retried after 2 x 2 s
    `sentinel down-after-milliseconds ${MASTER} 1000`,
    `sentinel failover-timeout ${MASTER} 2000`,
    `sentinel parallel-syncs ${MASTER} 1`,
    '',
  ].join('\n'));
  // Debian's redis-sentinel package provides the binary; redis-server --sentinel is the same program
  const hasSentinel = spawnSync('sh', ['-c', 'command -v redis-sentinel']).status === 0;
  return hasSentinel
    ? spawn('redis-sentinel', [config], { stdio: 'ignore' })
    : spawn('redis-server', [config, '--sentinel'], { stdio: 'ignore' });
}

/** A client for one exchange with the server (or sentinel) on this loopback port. */
const withClient = <T>(port: number, use: (client: Redis) => Promise<T>) => withRedisClient(`redis://127.0.0.1:${port}`, use);
const askSentinel = withClient;
const role = (node: RedisNode) => withClient(node.port, async (c) => String(((await c.call('ROLE')) as unknown[])[0]));

async function linkUp(replica: RedisNode): Promise<void> {
  await eventually(() => withClient(replica.port, async (c) =>
    (/master_link_status:up/.test(await c.info('replication')) ? true : undefined)), SYNC_MS, `replica ${replica.port} in sync`);
}

async function caughtUp(primary: RedisNode): Promise<void> {
  await eventually(() => withClient(primary.port, async (c) => {
    const info = await c.info('replication');
    const offset = Number(/master_repl_offset:(\d+)/.exec(info)?.[1]);
    const acked = Number(/slave0:.*offset=(\d+)/.exec(info)?.[1]);
    return acked >= offset ? true : undefined;
  }), SYNC_MS, `replica of ${primary.port} caught up`);
}

/** Every sentinel knows the replica and the two other sentinels: a failover can happen. */
async function sentinelSeesAll(port: number): Promise<void> {
  await eventually(() => askSentinel(port, async (s) => {
    const fields = (await s.call('SENTINEL', 'master', MASTER)) as string[];
    const get = (name: string) => Number(fields[fields.indexOf(name) + 1]);
    return get('num-slaves') >= 1 && get('num-other-sentinels') >= SENTINELS - 1 ? true : undefined;
  }), SYNC_MS, `sentinel ${port} to see the replica and the other sentinels`);
}
