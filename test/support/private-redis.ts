import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REDIS_START_MS, freePort, redisAnswers, stopChild } from './net';
import { eventually } from './processes';

/**
 * A redis-server of the test's own, on another port, for tests that stop or restart Redis.
 * The machine's shared server is never touched.
 */
export interface PrivateRedis {
  url: string;
  port: number;
  /** The server's working directory (its AOF lives in appendonlydir/ when enabled). */
  dir: string;
  start(): Promise<void>;
  /** SIGKILL by its own pid: the abrupt kind of failure. */
  kill(): Promise<void>;
  destroy(): Promise<void>;
}

export async function createPrivateRedis(extraArgs: string[] = []): Promise<PrivateRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'coupon-redis-'));
  let child: ChildProcess | null = null;
  const url = `redis://127.0.0.1:${port}`;
  const self: PrivateRedis = {
    url,
    port,
    dir,
    async start() {
      child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, ...extraArgs], {
        stdio: 'ignore',
      });
      await eventually(async () => ((await redisAnswers(url)) ? true : undefined), REDIS_START_MS, `private redis-server on ${port}`);
    },
    async kill() {
      const running = child;
      child = null;
      if (running) await stopChild(running);
    },
    async destroy() {
      await self.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await self.start();
  return self;
}
