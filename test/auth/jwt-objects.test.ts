import { stateSnapshot } from '../fuzz/support';
import { createCoupon } from '../support/coupons';
import { insertUserCoupon } from '../support/user-coupons';
import { expectProblem } from '../support/problems';
import { useJwtStack } from './support';

// API.md "AUTH_MODE", jwt: a token acts for its own subject only (unless it is a backend's),
// and a refusal tells nothing about another user's objects. No worker runs here: issuances
// stay pending, so Redis holds them and every key is part of the snapshot.
const stack = useJwtStack();
let couponId: number;
let bobIssuance: string;
let bobHeld: number;
let bobUsed: number;
let aliceHeld: number;

beforeAll(async () => {
  const { http } = stack.api;
  couponId = await createCoupon(stack.api, { count: 10 });
  const issued = await http.post(`/v1/coupons/${couponId}/issuances`).set(await stack.as('bob')).send({ userId: 'bob' });
  expect(issued.status).toBe(202);
  bobIssuance = issued.body.issuanceId;
  const unlimited = () => createCoupon(stack.api, { type: 'unlimited', count: 0 });
  const [first, second] = [await unlimited(), await unlimited()];
  const db = stack.env.database.db;
  bobHeld = (await insertUserCoupon(db, { userId: 'bob', couponId: first })).id;
  bobUsed = (await insertUserCoupon(db, { userId: 'bob', couponId: second, usedDate: new Date(), productId: 'p1' })).id;
  aliceHeld = (await insertUserCoupon(db, { userId: 'alice', couponId: first })).id;
});

describe("a user's token on another user's routes", () => {
  it('is 403 forbidden on every user route, the same whether the object exists or not, and changes nothing', async () => {
    const { http } = stack.api;
    const alice = await stack.as('alice');
    const before = await stateSnapshot(stack.env);
    const missing = 2_000_000_000;
    // pairs: an existing object of bob's, and one that does not exist
    const pairs = [
      [http.post(`/v1/coupons/${couponId}/issuances`).send({ userId: 'bob' }), http.post(`/v1/coupons/${couponId}/issuances`).send({ userId: 'carol' })],
      [http.get(`/v1/coupons/${couponId}/issuances/bob`), http.get(`/v1/coupons/${couponId}/issuances/carol`)],
      [http.get(`/v1/issuances/${bobIssuance}`), http.get(`/v1/issuances/${bobIssuance.slice(0, -3)}zzz`)],
      [http.get('/v1/users/bob/coupons'), http.get('/v1/users/carol/coupons')],
      [http.post(`/v1/users/bob/coupons/${bobHeld}/use`).send({ couponId, productId: 'p9' }), http.post(`/v1/users/bob/coupons/${missing}/use`).send({ couponId, productId: 'p9' })],
      [http.post(`/v1/users/bob/coupons/${bobUsed}/cancel-use`).send({ couponId }), http.post(`/v1/users/bob/coupons/${missing}/cancel-use`).send({ couponId })],
      [http.delete(`/v1/users/bob/coupons/${bobHeld}?couponId=${couponId}`), http.delete(`/v1/users/bob/coupons/${missing}?couponId=${couponId}`)],
    ];
    for (const [existing, absent] of pairs) {
      const [a, b] = [await existing!.set(alice), await absent!.set(alice)];
      expectProblem(a, 403, 'forbidden');
      expect({ status: b.status, body: b.body }).toEqual({ status: a.status, body: a.body });
      expect(JSON.stringify(a.body)).not.toMatch(/bob|carol|issu|coupon \d/i);
    }
    expect(await stateSnapshot(stack.env)).toEqual(before);
  });

  it('is refused before anything is read: a bad query behind it is still 403', async () => {
    const res = await stack.api.http.get('/v1/users/bob/coupons?limit=9999').set(await stack.as('alice'));
    expectProblem(res, 403, 'forbidden');
  });
});

describe("a user's token on its own routes", () => {
  it('issues, reads and uses as before', async () => {
    const { http } = stack.api;
    const alice = await stack.as('alice');
    const issued = await http.post(`/v1/coupons/${couponId}/issuances`).set(alice).send({ userId: 'alice' });
    expect(issued.status).toBe(202);
    expect((await http.get(`/v1/issuances/${issued.body.issuanceId}`).set(alice)).body).toMatchObject({ userId: 'alice', status: 'pending' });
    expect((await http.get(`/v1/coupons/${couponId}/issuances/alice`).set(alice)).body.issuanceId).toBe(issued.body.issuanceId);
    expect((await http.get('/v1/users/alice/coupons').set(alice)).body.items.map((c: { id: number }) => c.id)).toEqual([aliceHeld]);
    const used = await http.post(`/v1/users/alice/coupons/${aliceHeld}/use`).set(alice).send({ couponId: (await http.get('/v1/users/alice/coupons').set(alice)).body.items[0].couponId, productId: 'p1' });
    expect(used.status).toBe(200);
  });

  it("keeps 404 for another user's coupon named under one's own path (as in trusted mode)", async () => {
    const res = await stack.api.http.post(`/v1/users/alice/coupons/${bobHeld}/use`).set(await stack.as('alice')).send({ couponId, productId: 'p1' });
    expectProblem(res, 404, 'user_coupon_not_found');
  });

  it('answers an unknown issuance id with 403, like one of another user', async () => {
    expectProblem(await stack.api.http.get('/v1/issuances/nope').set(await stack.as('alice')), 403, 'forbidden');
  });
});

describe('a backend token (scope coupons:act-as-user)', () => {
  it('acts for two users in turn, and keeps 404 for unknown ids', async () => {
    const { http } = stack.api;
    const backend = await stack.backend();
    const forDave = await http.post(`/v1/coupons/${couponId}/issuances`).set(backend).send({ userId: 'dave' });
    const forErin = await http.post(`/v1/coupons/${couponId}/issuances`).set(backend).send({ userId: 'erin' });
    expect([forDave.status, forErin.status]).toEqual([202, 202]);
    expect((await http.get(`/v1/issuances/${forDave.body.issuanceId}`).set(backend)).body.userId).toBe('dave');
    expect((await http.get(`/v1/coupons/${couponId}/issuances/erin`).set(backend)).body.issuanceId).toBe(forErin.body.issuanceId);
    expect((await http.get('/v1/users/bob/coupons').set(backend)).status).toBe(200);
    expectProblem(await http.get('/v1/issuances/nope').set(backend), 404, 'issuance_not_found');
    // dave's own token sees his issuance; erin's does not
    expect((await http.get(`/v1/issuances/${forDave.body.issuanceId}`).set(await stack.as('dave'))).status).toBe(200);
    expectProblem(await http.get(`/v1/issuances/${forDave.body.issuanceId}`).set(await stack.as('erin')), 403, 'forbidden');
  });

  it('is recognised by `scope` (space-separated) or `scp` (an array), and only by the exact scope', async () => {
    const { http } = stack.api;
    expect((await http.get('/v1/users/bob/coupons').set(await stack.as('svc', { claims: { scp: ['coupons:act-as-user'] } }))).status).toBe(200);
    expect((await http.get('/v1/users/bob/coupons').set(await stack.as('svc', { scope: 'a coupons:act-as-user b' }))).status).toBe(200);
    for (const scope of ['coupons:act-as-user-x', 'coupons:act-as', 'COUPONS:ACT-AS-USER', 'coupons:act-as-user,b']) {
      expectProblem(await http.get('/v1/users/bob/coupons').set(await stack.as('svc', { scope })), 403, 'forbidden');
    }
    expectProblem(await http.get('/v1/users/bob/coupons').set(await stack.as('svc', { claims: { scope: { 'coupons:act-as-user': true } } })), 403, 'forbidden');
  });
});
