import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RESTART_POLICY, SECOND_SIGNAL_AFTER_MS, Supervisor, restartDelay } from '../../scripts/supervisor';
import { eventually } from '../support/processes';

// The restart and stop policy of `pnpm start`, on stand-in apps (test/start/fixtures); the
// real api and worker under it are in supervise.test.ts and ctrl-c.test.ts.
const ROOT = join(__dirname, '..', '..');
const fixture = (name: string) => join('test', 'start', 'fixtures', `${name}.ts`);

describe('restartDelay', () => {
  const at = (...seconds: number[]) => seconds.map((s) => s * 1000);

  it('doubles the delay with each recent crash, up to the cap', () => {
    expect(restartDelay(at(0), 0)).toBe(500);
    expect(restartDelay(at(0, 1), 1000)).toBe(1000);
    expect(restartDelay(at(0, 1, 2, 3), 3000)).toBe(4000);
    expect(restartDelay(at(0, 1), 1000, { ...RESTART_POLICY, maxDelayMs: 700 })).toBe(700);
  });

  it('gives up at the fifth crash within 60 s, and forgives older crashes', () => {
    expect(restartDelay(at(0, 1, 2, 3, 4), 4000)).toBeNull();
    expect(restartDelay(at(0, 1, 2, 3, 70), 70_000)).toBe(500);
    expect(restartDelay(at(0, 20, 40, 59, 61), 61_000)).toBe(4000);
  });
});

describe('Supervisor', () => {
  it('restarts a crashing app with backoff, then gives up and stops with exit code 1', async () => {
    const lines: string[] = [];
    const code = await new Promise<number>((resolve) => {
      new Supervisor({ crasher: fixture('crash') }, {
        root: ROOT, env: {}, log: (l) => lines.push(l), onStopped: resolve,
        policy: { maxCrashes: 3, windowMs: 60_000, firstDelayMs: 10, maxDelayMs: 1000 },
      }).start();
    });
    expect({ code, lines }).toEqual({
      code: 1,
      lines: [
        'crasher exited unexpectedly (code 3); restarting it in 10 ms',
        'crasher exited unexpectedly (code 3); restarting it in 20 ms',
        expect.stringMatching(/^crasher crashed 3 times within 60 s \(last: code 3\): giving up: stopping/),
      ],
    });
  });

  it('takes repeats of the stop signal within the grace period as the same one; a later one kills', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'supervisor-'));
    const file = join(dir, 'state.json');
    const state = () => JSON.parse(readFileSync(file, 'utf8')) as { pid: number; signals: string[] };
    let stopped: number | undefined;
    const supervisor = new Supervisor({ slow: fixture('slow-drain') }, {
      root: ROOT, env: { FIXTURE_FILE: file }, log: () => {}, onStopped: (code) => (stopped = code),
    });
    try {
      supervisor.start();
      await eventually(async () => (existsSync(file) ? true : undefined), 30_000, 'the app to start');
      const { pid } = state();
      supervisor.signal('SIGINT');
      supervisor.signal('SIGINT'); // relayed copies of the same Ctrl-C
      supervisor.signal('SIGTERM');
      await eventually(async () => (state().signals.length > 0 ? true : undefined), 10_000, 'the app to see the signal');
      expect({ signals: state().signals, alive: isAlive(pid), stopped }).toEqual({ signals: ['SIGINT'], alive: true, stopped: undefined });

      await new Promise((r) => setTimeout(r, SECOND_SIGNAL_AFTER_MS + 200));
      supervisor.signal('SIGINT'); // a person's second Ctrl-C
      await eventually(async () => (stopped !== undefined ? true : undefined), 10_000, 'the supervisor to stop');
      expect({ alive: isAlive(pid), stopped }).toEqual({ alive: false, stopped: 0 });
    } finally {
      if (existsSync(file) && isAlive(state().pid)) process.kill(state().pid, 'SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
