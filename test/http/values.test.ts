import { couponBody } from '../support/builders';
import { createCoupon } from '../support/coupons';
import { useTestStack } from '../support/stack';
import { listen, type RawClient } from '../fuzz/support';

// Values the API refuses so that every value it returns can be sent back to it (API.md
// "Conventions"): text without NUL or lone surrogates, timestamps in the years 1970–9999,
// ids other than `.` and `..`.
const stack = useTestStack();
let raw: RawClient;
let couponId: number;

beforeAll(async () => {
  raw = await listen(stack.api);
  couponId = await createCoupon(stack.api);
});
afterAll(async () => {
  await raw.close();
});

const postCoupon = (fields: Record<string, unknown>) => stack.api.http.post('/v1/coupons').set(stack.api.admin).send(couponBody(fields));
const patchCoupon = (fields: Record<string, unknown>) => stack.api.http.patch(`/v1/coupons/${couponId}`).set(stack.api.admin).send(fields);

function expect400(res: { status: number; body: Record<string, any> }, path: string) {
  expect({ status: res.status, code: res.body.code, paths: (res.body.errors as { path: string }[] | undefined)?.map((e) => e.path) })
    .toEqual({ status: 400, code: 'validation_failed', paths: expect.arrayContaining([path]) });
}

describe('text fields', () => {
  it.each([
    ['a NUL', 'a\u0000b'],
    ['a lone high surrogate', 'a\ud800b'],
    ['a lone low surrogate', '\udfffb'],
    ['surrogates in the wrong order', '\udc00\ud800'],
  ])('refuse %s in a coupon name, on create and on update', async (_what, name) => {
    expect400(await postCoupon({ name }), 'name');
    expect400(await patchCoupon({ name }), 'name');
  });

  it('keep a name with a paired surrogate (an emoji) as sent', async () => {
    const res = await postCoupon({ name: 'sale \ud83d\ude00' });
    expect({ status: res.status, name: res.body.name }).toEqual({ status: 201, name: 'sale \ud83d\ude00' });
  });

  it('refuse NUL and lone surrogates in userId and productId', async () => {
    for (const bad of ['a\u0000b', 'a\ud800b']) {
      expect400(await stack.api.http.post(`/v1/coupons/${couponId}/issuances`).send({ userId: bad }), 'userId');
      expect400(await stack.api.http.post('/v1/users/u_1/coupons/1/use').send({ couponId, productId: bad }), 'productId');
    }
  });
});

describe('userId and productId', () => {
  it.each(['.', '..'])('refuse %j in bodies', async (id) => {
    expect400(await stack.api.http.post(`/v1/coupons/${couponId}/issuances`).send({ userId: id }), 'userId');
    expect400(await stack.api.http.post('/v1/users/u_1/coupons/1/use').send({ couponId, productId: id }), 'productId');
  });

  it.each(['.', '..', '%2E', '%2e%2E'])('refuse %s as a path segment', async (segment) => {
    for (const path of [`/v1/users/${segment}/coupons`, `/v1/coupons/${couponId}/issuances/${segment}`]) {
      const res = await raw.send('GET', path);
      expect({ path, status: res.status, code: JSON.parse(res.text).code }).toEqual({ path, status: 400, code: 'validation_failed' });
    }
  });

  it('still take dots inside an id', async () => {
    const res = await stack.api.http.post(`/v1/coupons/${couponId}/issuances`).send({ userId: '...' });
    expect(res.status).toBe(202);
  });
});

describe('timestamps', () => {
  it.each([
    ['endDate', '9999-12-31T23:59:59-23:59'], // 10000-01-01T23:58:59Z
    ['startDate', '0001-01-01T00:00:00+01:00'], // 0000-12-31T23:00:00Z
    ['startDate', '1969-12-31T23:59:59.999Z'],
    ['startDate', '1970-01-01T00:30:00+01:00'], // 1969-12-31T23:30:00Z
  ])('refuse %s %s: its year in UTC is outside 1970–9999', async (field, value) => {
    expect400(await postCoupon({ [field]: value }), field);
    expect400(await patchCoupon({ [field]: value }), field);
  });

  it('take the edges of the range, and what they return can be sent back', async () => {
    const created = await postCoupon({ startDate: '1970-01-01T00:00:00Z', endDate: '9999-12-31T23:59:59.999Z' });
    expect(created.body).toMatchObject({ startDate: '1970-01-01T00:00:00.000Z', endDate: '9999-12-31T23:59:59.999Z' });
    const { startDate, endDate } = created.body as { startDate: string; endDate: string };
    const again = await stack.api.http.patch(`/v1/coupons/${created.body.id}`).set(stack.api.admin).send({ startDate, endDate });
    expect({ status: again.status, startDate: again.body.startDate, endDate: again.body.endDate }).toEqual({ status: 200, startDate, endDate });
  });
});
