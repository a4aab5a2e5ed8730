import fc from 'fast-check';
import { couponKeys } from '@coupon/issuance';
import { parseIfMatch } from '@coupon/api/http/conditional';
import { couponBody, hoursFromNow } from '../support/builders';
import { useTestStack } from '../support/stack';

// API.md: ETag on every Coupon response, If-Match on PATCH and DELETE, and a PATCH that
// changes nothing writes nothing.
const stack = useTestStack();

const create = async (body: object = couponBody()) => (await stack.api.http.post('/v1/coupons').set(stack.api.admin).send(body).expect(201));
const patch = (id: number, body: object, ifMatch?: string) => {
  const req = stack.api.http.patch(`/v1/coupons/${id}`).set(stack.api.admin);
  return (ifMatch === undefined ? req : req.set('If-Match', ifMatch)).send(body);
};
const remove = (id: number, ifMatch?: string) => {
  const req = stack.api.http.delete(`/v1/coupons/${id}`).set(stack.api.admin);
  return ifMatch === undefined ? req : req.set('If-Match', ifMatch);
};

async function stored(id: number) {
  const db = stack.env.database.db;
  const row = await db.selectFrom('coupons').select(['version', 'count', 'name', 'deleted_at', 'updated_at']).where('id', '=', id).executeTakeFirstOrThrow();
  const history = await db.selectFrom('coupons_history').select('description').where('coupon_id', '=', id).orderBy('id').execute();
  return { ...row, history: history.map((h) => h.description) };
}

describe('ETag', () => {
  it('is the quoted row version on GET, POST, PATCH and DELETE, and changes with every update', async () => {
    const created = await create();
    const id = created.body.id as number;
    expect(created.headers.etag).toBe('"1"');
    expect((await stack.api.http.get(`/v1/coupons/${id}`).expect(200)).headers.etag).toBe('"1"');
    const patched = await patch(id, { name: 'Renamed' }).expect(200);
    expect(patched.headers.etag).toBe('"2"');
    expect((await stack.api.http.get(`/v1/coupons/${id}`)).headers.etag).toBe(`"${(await stored(id)).version}"`);
    const deleted = await remove(id).expect(200);
    expect(deleted.headers.etag).toBe('"3"');
  });

  it('is not sent on the list or on errors (express etags stay off)', async () => {
    await create();
    expect((await stack.api.http.get('/v1/coupons').expect(200)).headers.etag).toBeUndefined();
    expect((await stack.api.http.get('/v1/coupons/999999').expect(404)).headers.etag).toBeUndefined();
  });
});

describe('If-Match', () => {
  it('applies a PATCH when it names the current version (alone, in a list, or *)', async () => {
    const id = (await create()).body.id as number;
    expect((await patch(id, { count: 1 }, '"1"').expect(200)).headers.etag).toBe('"2"');
    expect((await patch(id, { count: 1 }, '"7", W/"3", "2"').expect(200)).headers.etag).toBe('"3"');
    expect((await patch(id, { count: 1 }, '*').expect(200)).headers.etag).toBe('"4"');
    expect(await stored(id)).toMatchObject({ count: 103, version: 4 });
  });

  it.each([
    ['a stale version', '"1"'],
    ['a weak tag of the current version (strong comparison)', 'W/"2"'],
    ['an unquoted version', '2'],
    ['garbage', 'nope'],
    ['an empty list', ' , '],
  ])('refuses %s with 412 precondition_failed and changes nothing', async (_what, header) => {
    const id = (await create()).body.id as number;
    await patch(id, { name: 'Second' }).expect(200);
    const before = await stored(id);
    const meta = await stack.api.ctx.redis.hgetall(couponKeys(id).meta);

    const res = await patch(id, { count: 10, name: 'Lost update' }, header);
    expect({ status: res.status, code: res.body.code }).toEqual({ status: 412, code: 'precondition_failed' });
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.headers.etag).toBeUndefined();
    expect((await remove(id, header)).status).toBe(412);

    expect(await stored(id)).toEqual(before);
    expect(await stack.api.ctx.redis.hgetall(couponKeys(id).meta)).toEqual(meta);
  });

  it('deletes when it names the current version', async () => {
    const id = (await create()).body.id as number;
    await patch(id, { name: 'Second' }).expect(200);
    expect((await remove(id, '"2"').expect(200)).body.deletedAt).toEqual(expect.stringMatching(/Z$/));
    expect((await stored(id)).history).toEqual(['created', 'updated', 'deleted']);
  });

  it('is ignored for a coupon that does not exist: 404, as without it', async () => {
    const id = (await create()).body.id as number;
    await remove(id).expect(200);
    expect((await patch(id, { name: 'x' }, '"2"')).body.code).toBe('coupon_not_found');
    expect((await remove(id, '*')).body.code).toBe('coupon_not_found');
    expect((await patch(999999, { name: 'x' }, '"1"')).status).toBe(404);
  });

  it('lets exactly one of several parallel PATCHes holding the same ETag win', async () => {
    const id = (await create(couponBody({ count: 100 }))).body.id as number;
    const etag = (await stack.api.http.get(`/v1/coupons/${id}`)).headers.etag!;
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => patch(id, { count: 1, name: `Admin ${i}` }, etag)));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 412, 412, 412, 412, 412, 412, 412]);
    const winner = results.find((r) => r.status === 200)!;
    const after = await stored(id);
    expect(after).toMatchObject({ count: 101, version: 2, name: winner.body.name });
    expect(after.history).toEqual(['created', 'updated']);
  });

  it('lets exactly one of a PATCH and a DELETE holding the same ETag win', async () => {
    const id = (await create()).body.id as number;
    const [patched, deleted] = await Promise.all([patch(id, { count: 5 }, '"1"'), remove(id, '"1"')]);
    const after = await stored(id);
    // the loser answers as it would have one moment later: a PATCH of a deleted coupon is
    // 404 (If-Match is ignored for a coupon that does not exist), a DELETE of version 2 is 412
    if (after.history[1] === 'deleted') {
      expect([patched.body.code, deleted.status]).toEqual(['coupon_not_found', 200]);
    } else {
      expect([patched.status, deleted.body.code]).toEqual([200, 'precondition_failed']);
    }
    expect(after.history).toHaveLength(2);
  });
});

describe('a PATCH that changes nothing', () => {
  it.each([
    ['{}', {}],
    ['count 0', { count: 0 }],
    ['the current values', { name: 'Spring sale', type: 'limited', discountType: 'percent', discountAmount: 50, expireMinute: 7200 }],
  ])('%s: 200 with the coupon, no history row, same version and ETag, no mirror write', async (_what, body) => {
    const created = await create(couponBody({ count: 100 }));
    const id = created.body.id as number;
    // a mirror write would put the PostgreSQL count back over this marker
    await stack.api.ctx.redis.hset(couponKeys(id).meta, 'count', '999');
    const before = await stored(id);

    const res = await patch(id, body).expect(200);
    expect(res.body).toEqual({ ...created.body, remainingStock: 100 });
    expect(res.headers.etag).toBe(created.headers.etag);
    expect(await stored(id)).toEqual(before);
    expect(await stack.api.ctx.redis.hget(couponKeys(id).meta, 'count')).toBe('999');
  });

  it('the same dates written in another zone are no change; a real change is', async () => {
    const body = couponBody({ startDate: '2026-01-01T00:00:00.000Z', endDate: hoursFromNow(24) });
    const id = (await create(body)).body.id as number;
    await patch(id, { startDate: '2026-01-01T09:00:00+09:00' }).expect(200);
    expect((await stored(id)).history).toEqual(['created']);
    await patch(id, { startDate: '2026-01-01T09:00:01+09:00' }).expect(200);
    expect(await stored(id)).toMatchObject({ version: 2, history: ['created', 'updated'] });
  });

  it('still checks If-Match and the update rules', async () => {
    const id = (await create()).body.id as number;
    await patch(id, { name: 'Second' }).expect(200);
    expect((await patch(id, {}, '"1"')).status).toBe(412);
    expect((await patch(id, { type: 'unlimited' })).body.code).toBe('coupon_type_immutable');
    expect((await patch(id, {}, '"2"').expect(200)).headers.etag).toBe('"2"');
  });
});

describe('random If-Match and Idempotency-Key values', () => {
  // header values a client can send: tab, space to ~, and Latin-1
  const headerValue = fc.string({ unit: fc.integer({ min: 0x20, max: 0xff }).filter((c) => c !== 0x7f).map((c) => String.fromCharCode(c)), maxLength: 300 });

  it('If-Match: 200 when it names the current version or is *, else 412; nothing else, never a change on 412', async () => {
    const id = (await create()).body.id as number;
    await fc.assert(fc.asyncProperty(fc.oneof(headerValue, fc.constantFrom('"1"', ' "1" ', 'W/"1"', '*', '"1",', ',"1"', '"2", "1"')), async (header) => {
      const res = await patch(id, { count: 0 }, header);
      const parsed = parseIfMatch(header);
      const matches = parsed?.kind === 'any' || (parsed?.kind === 'tags' && parsed.tags.some((t) => !t.weak && t.opaque === '1'));
      expect({ header, status: res.status }).toEqual({ header, status: matches ? 200 : 412 });
    }), { numRuns: 150 });
    expect(await stored(id)).toMatchObject({ version: 1, history: ['created'] });
  });

  it('Idempotency-Key: processed or replayed when it is 1-255 visible ASCII characters, else 400', async () => {
    const id = (await create()).body.id as number;
    await fc.assert(fc.asyncProperty(headerValue, async (key) => {
      const res = await stack.api.http.patch(`/v1/coupons/${id}`).set(stack.api.admin).set('Idempotency-Key', key).send({ name: 'Fuzzed' });
      // HTTP trims spaces and tabs around a header value (JS's trim() would also take U+00A0)
      const valid = /^[\x21-\x7e]{1,255}$/.test(key.replace(/^[ \t]+|[ \t]+$/g, ''));
      expect({ key, status: res.status }).toEqual({ key, status: valid ? 200 : 400 });
    }), { numRuns: 150 });
  });
});
