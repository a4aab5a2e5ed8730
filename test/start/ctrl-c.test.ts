import { createCoupon } from '../support/coupons';
import { expectAllPersisted, expectQueueClean, issueLoad } from '../support/issuances';
import { freePort, waitForHttp } from '../support/net';
import { eventually } from '../support/processes';
import { useTestEnv } from '../support/stack';
import { killGroup, startService } from '../support/start';

// Ctrl-C in the terminal sends SIGINT to every process of `pnpm start`'s group: pnpm, the
// start script, the api and the worker. Relays (pnpm passes SIGINT on to its child) make the
// start script see it more than once; that must still be one orderly drain, never a kill.
const testEnv = useTestEnv();

it('SIGINT to the process group under load: api and worker drain and stop, no job left active, every 202 persisted', async () => {
  const env = testEnv();
  const [port, workerPort] = [await freePort(), await freePort()];
  const service = startService({ ...env.vars, LOG_LEVEL: 'info', HOST: '127.0.0.1', PORT: String(port), WORKER_PORT: String(workerPort) });
  const base = `http://127.0.0.1:${port}`;
  try {
    await waitForHttp(`${base}/readyz`, undefined, 90_000);
    await service.waitForLog((l) => l.msg === 'worker started', 'the worker');
    const couponId = await createCoupon(base, { type: 'unlimited', count: 0 });

    const load = issueLoad(base, couponId, 'ctrl_c_', 32);
    await eventually(async () => (load.accepted.length > 3000 ? true : undefined), 30_000, 'load to build up');
    const script = service.scriptPid();
    service.signalGroup('SIGINT');
    // what a relay in the group does (tsx passes SIGINT on when its child has not reported it
    // within 30 ms; pnpm passes it on to its child): the same Ctrl-C reaches the script twice
    await new Promise((r) => setTimeout(r, 10));
    try {
      process.kill(script, 'SIGINT');
    } catch (error) {
      // a drain that finished within those 10 ms left nothing to signal: fine too
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
    }
    const gone = await service.groupGone(60_000);
    await load.stop();
    // pnpm answers last, with the script's exit code: the prompt comes back once all is stopped
    expect(await service.exited).toBe(0);

    const messages = service.logLines().map((l) => `${l.name}: ${l.msg}`);
    expect({ gone, stops: messages.filter((m) => /(stopped|draining)$/.test(m)) }).toEqual({
      gone: true,
      stops: expect.arrayContaining(['api: api draining', 'api: api stopped', 'worker: worker draining', 'worker: worker stopped']),
    });
    expect(service.output()).toContain('[start] stopped');
    expect(service.output()).not.toMatch(/SIGKILL|killing|grace period exceeded/);
    // only refused connections once the API stopped, never a 5xx
    expect([...load.other.keys()].filter((k) => k !== 'refused')).toEqual([]);

    await expectQueueClean(env);
    await expectAllPersisted(env, couponId, load.accepted, 60_000);
  } finally {
    killGroup(service);
  }
}, 180_000);
