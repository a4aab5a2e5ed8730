// Private redis-server processes for the durability phases: on free ports, in a temp dir of
// their own, each stopped by its own pid. The machine's shared Redis is never touched.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, redisAnswers, sleep, stopChild, withRedisClient } from '@coupon/test/support/net';

export interface RedisServer {
  port: number;
  url: string;
  pid: number;
  /** SIGTERM by its pid (SIGKILL after 5 s). */
  stop(): Promise<void>;
}

/** A Redis setup of a durability phase: the primary the apps use, and its replica if any. */
export interface RedisSetup {
  url: string;
  primary: RedisServer;
  replica: RedisServer | null;
  /** How many times the primary has run `command` since it started (INFO commandstats). */
  commandCalls(command: string): Promise<number>;
  /** Stops every server and deletes the temp dir. */
  close(): Promise<void>;
}

/** Servers of every setup still running: stopped on Ctrl-C too. */
const running = new Set<RedisSetup>();

export async function closeAllRedisSetups(): Promise<void> {
  await Promise.allSettled([...running].map((setup) => setup.close()));
}

/**
 * Starts a primary with `args` (and `--appendonly no --save ""` unless `args` say otherwise),
 * plus a replica without persistence when `withReplica`; resolves once the replica is in sync.
 * `parentDir` is where the temp dir goes: the AOF's fsync costs what that file system charges.
 */
export async function startRedisSetup(parentDir: string, args: string[], withReplica: boolean, logDir: string): Promise<RedisSetup> {
  mkdirSync(parentDir, { recursive: true });
  const root = mkdtempSync(join(parentDir, 'coupon-bench-redis-'));
  const servers: RedisServer[] = [];
  const setup: RedisSetup = {
    url: '',
    primary: undefined as unknown as RedisServer,
    replica: null,
    commandCalls: (command) => commandCalls(setup.url, command),
    async close() {
      running.delete(setup);
      await Promise.allSettled(servers.map((s) => s.stop()));
      rmSync(root, { recursive: true, force: true });
    },
  };
  running.add(setup);
  try {
    const primary = await startServer(root, 'primary', args, logDir);
    servers.push(primary);
    Object.assign(setup, { url: primary.url, primary });
    if (withReplica) {
      const replica = await startServer(root, 'replica', ['--replicaof', '127.0.0.1', String(primary.port)], logDir);
      servers.push(replica);
      setup.replica = replica;
      await replicaInSync(primary, replica);
    }
  } catch (error) {
    await setup.close();
    throw error;
  }
  return setup;
}

async function startServer(root: string, role: string, args: string[], logDir: string): Promise<RedisServer> {
  const port = await freePort();
  const dir = join(root, `${role}-${port}`);
  mkdirSync(dir);
  const fd = openSync(join(logDir, `redis-${role}-${port}.log`), 'a');
  // no config file: only what is named here differs from redis-server's defaults
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'no', '--save', '', ...args], {
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  const server: RedisServer = { port, url: `redis://127.0.0.1:${port}`, pid: child.pid!, stop: () => stopChild(child, 'SIGTERM', 5000) };
  try {
    await answersPing(server.url, child);
  } catch (error) {
    await server.stop();
    throw error;
  }
  return server;
}

async function answersPing(url: string, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`redis-server for ${url} exited with ${child.exitCode} (see its log)`);
    if (await redisAnswers(url)) return;
    await sleep(50);
  }
  throw new Error(`redis-server for ${url} did not start`);
}

/** The replica's link is up and the primary sees it online. */
async function replicaInSync(primary: RedisServer, replica: RedisServer): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const [replicaInfo, primaryInfo] = await Promise.all([
      withRedisClient(replica.url, (c) => c.info('replication')).catch(() => ''),
      withRedisClient(primary.url, (c) => c.info('replication')).catch(() => ''),
    ]);
    if (/master_link_status:up/.test(replicaInfo) && /slave0:.*state=online/.test(primaryInfo)) return;
    await sleep(50);
  }
  throw new Error(`replica ${replica.port} of ${primary.port} did not come in sync within 30 s`);
}

async function commandCalls(url: string, command: string): Promise<number> {
  const stats = await withRedisClient(url, (c) => c.info('commandstats'));
  return Number(new RegExp(`^cmdstat_${command.toLowerCase()}:calls=(\\d+)`, 'm').exec(stats)?.[1] ?? 0);
}

/** The file system type of `dir` (e.g. ext2/ext3, tmpfs): whether an fsync is real. */
export function fileSystemOf(dir: string): string {
  try {
    mkdirSync(dir, { recursive: true });
    return execFileSync('stat', ['-f', '-c', '%T', dir]).toString().trim();
  } catch {
    return 'unknown';
  }
}
