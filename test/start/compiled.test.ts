import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { couponBody } from '../support/builders';
import { ADMIN_TOKEN, createTestEnv, type TestEnv } from '../support/env';
import { eventually, postJson } from '../support/processes';
import { startReadyService, stopService, type StartedService } from '../support/start';

// `pnpm start` builds when it must and runs the compiled bundles with node alone; the two
// processes that only supervise (the start script and the api's cluster primary) never load
// the app's packages. NODE_DEBUG=module makes every process print each file it loads.
const ROOT = join(__dirname, '..', '..');
let env: TestEnv;
let service: StartedService;
let base: string;

beforeAll(async () => {
  env = await createTestEnv();
  ({ service, base } = await startReadyService({ ...env.vars, API_PROCESSES: '2', NODE_DEBUG: 'module' }));
}, 120_000);

afterAll(async () => {
  await stopService(service);
  await env.close();
}, 60_000);

it('runs node on the compiled bundles, with source maps, and no tsx', () => {
  const ps = execFileSync('ps', ['-o', 'args=', '-g', String(service.pid)], { encoding: 'utf8' });
  // an exited child not yet reaped (the build's esbuild service, orphaned to a PID 1 that does
  // not reap, as in some CI containers) is listed as `<defunct>`: it runs nothing
  const nodes = ps.trim().split('\n').filter((l) => !/pnpm start$|<defunct>$/.test(l));
  expect(nodes.filter((l) => /tsx/.test(l))).toEqual([]);
  expect(nodes.map((l) => l.replace(/^\S*node /, 'node ').replace(`${ROOT}/`, '')).sort()).toEqual([
    'node --enable-source-maps apps/api/dist/main.js',
    'node --enable-source-maps apps/api/dist/main.js',
    'node --enable-source-maps apps/api/dist/main.js',
    'node --enable-source-maps apps/worker/dist/main.js',
    'node --enable-source-maps dist/start.js',
  ]);
});

it('loads none of the app packages in the start script and the cluster primary', () => {
  const primary = service.logLines().find((l) => l.msg === 'api cluster started')!.pid as number;
  const apiProcess = service.logLines().find((l) => l.msg === 'api listening')!.pid as number;
  const app = ['express', 'bullmq', 'ioredis', 'kysely', 'pg', '@bull-board/api', 'jose'];
  expect({
    script: packagesLoadedBy(service.scriptPid()).filter((p) => app.includes(p)),
    primary: packagesLoadedBy(primary).filter((p) => app.includes(p)),
    // the same probe sees them where they belong
    apiProcess: app.filter((p) => packagesLoadedBy(apiProcess).includes(p)),
  }).toEqual({ script: [], primary: [], apiProcess: app });
});

it('issues through the compiled api and worker: the Lua scripts travel with the bundles', async () => {
  const admin = { authorization: `Bearer ${ADMIN_TOKEN}`, 'idempotency-key': 'compiled-create' };
  const body = couponBody({ count: 10 });
  const created = await postJson(base, '/v1/coupons', body, admin);
  const again = await fetch(`${base}/v1/coupons`, {
    method: 'POST', headers: { 'content-type': 'application/json', ...admin }, body: JSON.stringify(body),
  });
  expect({ status: again.status, replayed: again.headers.get('idempotent-replayed') }).toEqual({ status: 201, replayed: 'true' });

  const issued = await postJson(base, `/v1/coupons/${created.body.id}/issuances`, { userId: 'compiled_user' });
  expect(issued.status).toBe(202);
  const done = await eventually(async () => {
    const body = (await (await fetch(`${base}/v1/issuances/${issued.body.issuanceId}`)).json()) as { status: string };
    return body.status === 'issued' ? body : undefined;
  }, 30_000, 'the worker to persist the issuance');
  expect(done).toMatchObject({ status: 'issued', userCouponId: expect.any(Number) });
});

/** The npm packages a process has loaded, from its NODE_DEBUG=module lines (`load "<file>" ...`). */
function packagesLoadedBy(pid: number): string[] {
  const names = service.output().split('\n').flatMap((line) => {
    const file = line.startsWith(`MODULE ${pid}: load "`) ? line.split('"')[1]! : '';
    if (!file.includes('/node_modules/')) return [];
    const parts = file.split('/node_modules/').pop()!.split('/');
    return [parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!];
  });
  return [...new Set(names)];
}
