import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { POLL_MS, freePort, sleep, waitForHttp } from './net';

const ROOT = join(__dirname, '..', '..');

export interface Child {
  process: ChildProcess;
  output(): string;
  /** Resolves with the exit code (or the signal's name). */
  exited: Promise<number | string>;
  kill(signal?: NodeJS.Signals): Promise<number | string>;
}

/** Runs apps/<app>/src/main.ts as a real process with the given environment. */
export function spawnApp(app: 'api' | 'worker', env: Record<string, string>): Child {
  // node itself (not the tsx wrapper) so signals reach the app and its exit is its own
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'apps', app, 'src', 'main.ts')], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  return {
    process: child,
    output: () => output,
    exited,
    kill(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** A spawned app and the base URL of its port. */
export interface RunningApp {
  child: Child;
  url: string;
}

/**
 * Spawns apps/<app> on a free loopback port (its PORT or WORKER_PORT) and resolves once
 * `health` answers; a process that does not come up is killed.
 */
export async function startApp(app: 'api' | 'worker', vars: Record<string, string>, health = '/healthz'): Promise<RunningApp> {
  const port = await freePort();
  const child = spawnApp(app, { HOST: '127.0.0.1', ...vars, [app === 'api' ? 'PORT' : 'WORKER_PORT']: String(port) });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForHttp(`${url}${health}`, child);
  } catch (error) {
    await child.kill('SIGKILL');
    throw error;
  }
  return { child, url };
}

/** How long a test waits for a condition unless it says otherwise. */
export const EVENTUALLY_MS = 30_000;

/** Polls until `check` returns a value other than undefined, or fails after `ms`. */
export async function eventually<T>(check: () => Promise<T | undefined>, ms = EVENTUALLY_MS, what = 'condition'): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await sleep(POLL_MS);
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

/** POSTs JSON to a spawned process and returns its status and parsed body. */
export async function postJson(url: string, path: string, body: object, headers: Record<string, string> = {}) {
  const res = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}
