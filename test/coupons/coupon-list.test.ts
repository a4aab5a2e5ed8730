import { createCoupon } from '../support/coupons';
import { ADMIN_TOKEN } from '../support/env';
import { eventually, postJson, type RunningApp, startApp } from '../support/processes';
import { useTestStack } from '../support/stack';

// GET /v1/coupons is served from a per-process cache; API.md still wants every create,
// update and delete in the list as soon as that call has answered, whichever process serves
// the list. Two real API processes: writes go to one, lists are read from the other.
const stack = useTestStack();
let apis: RunningApp[] = [];
const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };

beforeAll(async () => {
  apis = await Promise.all([startApp('api', stack.env.vars), startApp('api', stack.env.vars)]);
}, 60_000);
afterAll(() => Promise.all(apis.map((a) => a.child.kill('SIGTERM'))));

const writer = () => apis[0]!.url;
const reader = () => apis[1]!.url;

async function list(url = reader()): Promise<Array<Record<string, any>>> {
  const res = await fetch(`${url}/v1/coupons`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  return ((await res.json()) as { coupons: Array<Record<string, any>> }).coupons;
}

async function send(method: string, path: string, body?: object) {
  const res = await fetch(`${writer()}${path}`, {
    method, headers: { 'content-type': 'application/json', ...admin }, body: body && JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

it('shows a create, an update and a delete made through another process as soon as each has answered', async () => {
  await list(); // the reader's cache is warm
  const id = await createCoupon(writer(), { name: 'first name', count: 10 });
  expect((await list()).find((c) => c.id === id)).toMatchObject({ name: 'first name', count: 10, remainingStock: 10 });

  expect((await send('PATCH', `/v1/coupons/${id}`, { name: 'second name', count: 5 })).status).toBe(200);
  expect((await list()).find((c) => c.id === id)).toMatchObject({ name: 'second name', count: 15 });

  expect((await send('DELETE', `/v1/coupons/${id}`)).status).toBe(200);
  expect((await list()).map((c) => c.id)).not.toContain(id);
});

it('serves the cached definitions until a change is announced: PostgreSQL is not read per request', async () => {
  const id = await createCoupon(writer(), { name: 'cached' });
  expect((await list()).find((c) => c.id === id)?.name).toBe('cached');
  // a change behind the API's back (no catalog version bump) is not seen...
  await stack.env.database.db.updateTable('coupons').set({ name: 'changed in the database' }).where('id', '=', id).execute();
  for (let i = 0; i < 5; i++) expect((await list()).find((c) => c.id === id)?.name).toBe('cached');
  // ...until any API change moves the version
  await createCoupon(writer(), { name: 'another' });
  expect((await list()).find((c) => c.id === id)?.name).toBe('changed in the database');
});

it('shows stock taken through another process within a second, and live on the single coupon', async () => {
  const id = await createCoupon(writer(), { count: 3 });
  expect((await list()).find((c) => c.id === id)).toMatchObject({ issuedCount: 0, remainingStock: 3 });
  expect((await postJson(writer(), `/v1/coupons/${id}/issuances`, { userId: 'stock_1' })).status).toBe(202);
  const one = await (await fetch(`${reader()}/v1/coupons/${id}`)).json();
  expect(one).toMatchObject({ issuedCount: 1, remainingStock: 2 });
  await eventually(async () => ((await list()).find((c) => c.id === id)?.issuedCount === 1 ? true : undefined), 5000, 'the list to show the stock');
  expect((await list()).find((c) => c.id === id)).toMatchObject({ issuedCount: 1, remainingStock: 2 });
});

it('drops a coupon from the list once it ends, with no change to announce it', async () => {
  const endDate = new Date(Date.now() + 1500).toISOString();
  const id = await createCoupon(writer(), { endDate });
  expect((await list()).map((c) => c.id)).toContain(id);
  await eventually(async () => ((await list()).map((c) => c.id).includes(id) ? undefined : true), 10_000, 'the coupon to leave the list');
});
