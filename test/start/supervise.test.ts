import { createCoupon } from '../support/coupons';
import { createTestEnv, type TestEnv } from '../support/env';
import { eventually, postJson } from '../support/processes';
import { waitForHttp } from '../support/net';
import { databaseUrl, uniqueName, withAdminClient } from '../support/servers';
import { startReadyService, stopService, type StartedService } from '../support/start';

// `pnpm start` as an operator meets it: pointed at a database that does not exist yet, and
// then one of its processes dies. It creates the database, and restarts what died while
// the rest keeps serving.
let env: TestEnv;
let service: StartedService;
let base: string;
const database = uniqueName('coupon_missing');

beforeAll(async () => {
  env = await createTestEnv();
  ({ service, base } = await startReadyService({ ...env.vars, DATABASE_URL: databaseUrl(database) }));
}, 120_000);

afterAll(async () => {
  await stopService(service);
  await withAdminClient((c) => c.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`));
  await env.close();
}, 60_000);

const startLines = (msg: string) => service.logLines().filter((l) => l.msg === msg);

it('creates the database DATABASE_URL names when the server has none by that name', async () => {
  expect(service.output()).toContain(`[start] created database "${database}"`);
  await createCoupon(base);
});

it('logs the pid once in the start lines of the api and the worker', () => {
  for (const msg of ['api listening', 'worker started']) {
    const raw = service.output().split('\n').find((l) => l.includes(`"msg":"${msg}"`));
    expect({ msg, pids: raw?.match(/"pid":/g)?.length }).toEqual({ msg, pids: 1 });
    expect(JSON.parse(raw!).pid).toEqual(expect.any(Number));
  }
});

it('restarts a worker killed with SIGKILL while the API goes on answering; the new one persists issuances', async () => {
  const couponId = await createCoupon(base, { count: 100 });
  const [first] = startLines('worker started');
  process.kill(first!.pid, 'SIGKILL');

  // the API does not go down with it: an issuance is accepted while no worker runs
  const issued = await eventually(async () => {
    const res = await postJson(base, `/v1/coupons/${couponId}/issuances`, { userId: 'while_worker_died' });
    return res.status === 202 ? res.body : undefined;
  }, 10_000, 'a 202 with the worker dead');
  await service.waitForLog((l) => l.msg === 'worker started' && l.pid !== first!.pid, 'a new worker');
  expect(service.output()).toMatch(/\[start\] worker exited unexpectedly \(SIGKILL\); restarting it in \d+ ms/);

  const done = await eventually(async () => {
    const res = await fetch(`${base}/v1/issuances/${issued.issuanceId}`);
    const body = (await res.json()) as { status: string };
    return body.status === 'issued' ? body : undefined;
  }, 30_000, 'the new worker to persist the issuance');
  expect(done).toMatchObject({ status: 'issued', userCouponId: expect.any(Number) });
});

it('restarts an API process that died', async () => {
  const [first] = startLines('api listening');
  process.kill(first!.pid, 'SIGKILL');
  await service.waitForLog((l) => l.msg === 'api listening' && l.pid !== first!.pid, 'a new api process');
  await waitForHttp(`${base}/readyz`, undefined, 30_000);
  expect(service.output()).toMatch(/\[start\] api exited unexpectedly \(SIGKILL\); restarting it in \d+ ms/);
});
