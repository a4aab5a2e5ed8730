import { execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { freePort, waitForHttp } from './net';

const ROOT = join(__dirname, '..', '..');

export interface StartedService {
  pid: number;
  output(): string;
  /** The pino JSON lines printed so far (the api's and the worker's), parsed. */
  logLines(): Array<Record<string, any>>;
  /** Resolves with the exit code (or the signal's name) of `pnpm start`. */
  exited: Promise<number | string>;
  /** What a terminal does on Ctrl-C: the signal goes to every process of the group. */
  signalGroup(signal: NodeJS.Signals): void;
  /** The pid of the start script itself (dist/start.js, compiled from scripts/start.ts), under pnpm. */
  scriptPid(): number;
  /** Resolves once no process of the group is left (pnpm may exit before what it started). */
  groupGone(ms: number): Promise<boolean>;
  /** Waits for a log line matching `match`, failing early if `pnpm start` exits. */
  waitForLog(match: (line: Record<string, any>) => boolean, what: string, ms?: number): Promise<Record<string, any>>;
}

/**
 * Runs the real `pnpm start` in a process group of its own (as a terminal runs a command),
 * so a test can send a signal to the whole group, as Ctrl-C does.
 */
export function startService(env: Record<string, string>): StartedService {
  const child = spawn('pnpm', ['start'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  const logLines = () => output.split('\n').filter((l) => l.startsWith('{')).flatMap((l) => {
    try {
      return [JSON.parse(l) as Record<string, any>];
    } catch {
      return [];
    }
  });
  return {
    pid: child.pid!,
    output: () => output,
    logLines,
    exited,
    signalGroup(signal) {
      process.kill(-child.pid!, signal);
    },
    scriptPid() {
      const ps = execFileSync('ps', ['-o', 'pid=,args=', '-g', String(child.pid)], { encoding: 'utf8' });
      const line = ps.split('\n').find((l) => /node .*(scripts\/start\.ts|dist\/start\.js)/.test(l) && !/\btsx\/dist\/cli/.test(l));
      if (!line) throw new Error(`no start script in the group:\n${ps}`);
      return Number(line.trim().split(/\s+/)[0]);
    },
    async groupGone(ms) {
      const deadline = Date.now() + ms;
      while (groupAlive(child.pid!)) {
        if (Date.now() > deadline) return false;
        await new Promise((r) => setTimeout(r, 100));
      }
      return true;
    },
    async waitForLog(match, what, ms = 60_000) {
      const deadline = Date.now() + ms;
      for (;;) {
        const line = logLines().find(match);
        if (line) return line;
        if (child.exitCode !== null || child.signalCode !== null) throw new Error(`pnpm start exited before ${what}:\n${output}`);
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${output}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
  };
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * `pnpm start` on free loopback ports, logging at info (the tests read the start lines),
 * resolved once the worker has started and the API answers /readyz; a start that fails is
 * killed before the error is thrown.
 */
export async function startReadyService(env: Record<string, string>): Promise<{ service: StartedService; base: string }> {
  const [port, workerPort] = [await freePort(), await freePort()];
  const service = startService({
    ...env, LOG_LEVEL: 'info', HOST: '127.0.0.1', PORT: String(port), WORKER_PORT: String(workerPort),
  });
  const base = `http://127.0.0.1:${port}`;
  try {
    await service.waitForLog((l) => l.msg === 'worker started', 'the worker', 90_000);
    await waitForHttp(`${base}/readyz`, undefined, 30_000);
  } catch (error) {
    killGroup(service);
    throw error;
  }
  return { service, base };
}

/** SIGTERM to the whole group, as an operator stops it; whatever is left after 30 s is killed. */
export async function stopService(service: StartedService | undefined): Promise<void> {
  if (!service) return;
  service.signalGroup('SIGTERM');
  if (!(await service.groupGone(30_000))) killGroup(service);
}

/** Kills whatever is left of the group (after a failed test), never anything else. */
export function killGroup(service: StartedService): void {
  try {
    process.kill(-service.pid, 'SIGKILL');
  } catch {
    // the group is gone already
  }
}
