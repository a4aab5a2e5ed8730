// The api and the worker under `pnpm start`: restarted with backoff when one dies, stopped
// in one orderly drain on Ctrl-C or SIGTERM.
import { spawn, type ChildProcess } from 'node:child_process';

export interface RestartPolicy {
  /** Give up once an app has crashed this many times within `windowMs`. */
  maxCrashes: number;
  windowMs: number;
  /** Delay before the first restart; doubled for each further crash in the window. */
  firstDelayMs: number;
  maxDelayMs: number;
}

export const RESTART_POLICY: RestartPolicy = { maxCrashes: 5, windowMs: 60_000, firstDelayMs: 500, maxDelayMs: 10_000 };

/**
 * After a crash at `now` (already in `crashes`), how long to wait before restarting, or null
 * to give up: each recent crash doubles the delay, a crash older than the window is forgiven.
 */
export function restartDelay(crashes: number[], now: number, policy: RestartPolicy = RESTART_POLICY): number | null {
  const recent = crashes.filter((at) => now - at < policy.windowMs).length;
  if (recent >= policy.maxCrashes) return null;
  return Math.min(policy.firstDelayMs * 2 ** Math.max(recent - 1, 0), policy.maxDelayMs);
}

/**
 * A Ctrl-C reaches every process of the terminal's process group, and relays in that group
 * (pnpm, sh, tsx) pass it on again, so the same keypress can arrive here two or three times
 * within milliseconds. Only a signal this long after the first one is a person's second Ctrl-C.
 */
export const SECOND_SIGNAL_AFTER_MS = 2_000;

interface App {
  name: string;
  file: string;
  child?: ChildProcess;
  crashes: number[];
  restartTimer?: NodeJS.Timeout;
}

export interface SupervisorOptions {
  root: string;
  env: Record<string, string>;
  policy?: RestartPolicy;
  log?: (line: string) => void;
  /** Called once the apps have stopped, with the exit code `pnpm start` should end with. */
  onStopped(exitCode: number): void;
}

export class Supervisor {
  private readonly apps: App[];
  private stopSignalAt: number | undefined;
  private exitCode = 0;
  private readonly log: (line: string) => void;

  constructor(apps: Record<string, string>, private readonly options: SupervisorOptions) {
    this.apps = Object.entries(apps).map(([name, file]) => ({ name, file, crashes: [] }));
    this.log = options.log ?? ((line) => console.log(`[start] ${line}`));
  }

  start(): void {
    for (const app of this.apps) this.run(app);
  }

  /** A stop signal: the first starts the drain, a later one (a person's second Ctrl-C) kills. */
  signal(signal: NodeJS.Signals): void {
    if (this.stopSignalAt === undefined) {
      void this.stop(signal, `${signal} received`);
      return;
    }
    if (Date.now() - this.stopSignalAt < SECOND_SIGNAL_AFTER_MS) return; // the same Ctrl-C, relayed
    this.log(`${signal} again: killing the api and the worker without waiting for the drain`);
    for (const app of this.apps) app.child?.kill('SIGKILL');
  }

  // node itself rather than a launcher (the tsx CLI, pnpm): the child is then the app, with no
  // relay process in between that a SIGKILL could orphan it from. Compiled apps run with their
  // source maps; TypeScript (under `node --import tsx scripts/start.ts`) through tsx's loader.
  private run(app: App): void {
    const args = app.file.endsWith('.ts') ? ['--import', 'tsx', app.file] : ['--enable-source-maps', app.file];
    const child = spawn(process.execPath, args, {
      cwd: this.options.root,
      env: { ...process.env, ...this.options.env },
      stdio: 'inherit',
    });
    app.child = child;
    child.on('exit', (code, signal) => {
      app.child = undefined;
      if (this.stopSignalAt === undefined) this.crashed(app, signal ?? `code ${code}`);
      // while stopping, death by a signal (a second Ctrl-C) is expected; a failed drain is not
      else if (code !== null && code !== 0) this.exitCode = 1;
    });
  }

  private crashed(app: App, how: string): void {
    const now = Date.now();
    app.crashes.push(now);
    const delay = restartDelay(app.crashes, now, this.options.policy);
    if (delay === null) {
      const { maxCrashes, windowMs } = this.options.policy ?? RESTART_POLICY;
      this.exitCode = 1;
      void this.stop('SIGTERM', `${app.name} crashed ${maxCrashes} times within ${windowMs / 1000} s (last: ${how}): giving up`);
      return;
    }
    this.log(`${app.name} exited unexpectedly (${how}); restarting it in ${delay} ms`);
    app.restartTimer = setTimeout(() => {
      app.restartTimer = undefined;
      this.run(app);
    }, delay);
  }

  private async stop(signal: NodeJS.Signals, why: string): Promise<void> {
    this.stopSignalAt = Date.now();
    this.log(`${why}: stopping the api and the worker (they finish what they hold; Ctrl-C again after ` +
      `${SECOND_SIGNAL_AFTER_MS / 1000} s kills them at once)`);
    for (const app of this.apps) clearTimeout(app.restartTimer);
    await Promise.all(this.apps.map((app) => exited(app.child, signal)));
    this.options.onStopped(this.exitCode);
  }
}

function exited(child: ChildProcess | undefined, signal: NodeJS.Signals): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}
