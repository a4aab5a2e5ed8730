import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';

// Talking to servers started on this machine: free ports, waiting for them to answer,
// short-lived clients, database URLs. Shared by the tests and the load test
// (`@coupon/test/support/net`), so it uses no jest global.

/** How often a wait asks again. */
export const POLL_MS = 100;
/** A private server on loopback accepts at once; longer means it is stopped (SIGSTOP) or gone. */
const REDIS_CONNECT_TIMEOUT_MS = 1000;

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A port nobody listens on right now (the kernel's choice), for a server about to start. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** What waitForHttp watches: a process whose exit means the answer will never come. */
export interface WatchedProcess {
  process: ChildProcess;
  output(): string;
}

/** Resolves once `url` answers 2xx; fails at once if `child` exits, or after `ms`. */
export async function waitForHttp(url: string, child?: WatchedProcess, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (child && (child.process.exitCode !== null || child.process.signalCode !== null)) {
      throw new Error(`process exited before ${url} answered:\n${child.output()}`);
    }
    const res = await fetch(url).catch(() => null);
    if (res?.ok) return;
    await sleep(POLL_MS);
  }
  throw new Error(`${url} did not answer within ${ms} ms${child ? `:\n${child.output()}` : ''}`);
}

/** The same server and credentials, another database. */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/**
 * A client for one exchange with a Redis server that may be down: it connects once (no
 * retries, no offline queue) and is disconnected afterwards.
 */
export async function withRedisClient<T>(url: string, use: (client: Redis) => Promise<T>): Promise<T> {
  const client = new Redis(url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, connectTimeout: REDIS_CONNECT_TIMEOUT_MS });
  client.on('error', () => {}); // a refused connect while the server starts: connect() rejects too
  try {
    await client.connect();
    return await use(client);
  } finally {
    client.disconnect();
  }
}

/** How long a redis-server (or sentinel) on this machine may take to answer after its start. */
export const REDIS_START_MS = 10_000;

/** Whether the Redis server at `url` answers PING now. */
export const redisAnswers = (url: string) => withRedisClient(url, (c) => c.ping()).then(() => true, () => false);

/**
 * Sends `signal` unless the process has exited already, and resolves once it has; with
 * `killAfterMs`, a SIGKILL follows if it is still running by then.
 */
export async function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL', killAfterMs?: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  const timer = killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), killAfterMs);
  await exited;
  clearTimeout(timer);
}
