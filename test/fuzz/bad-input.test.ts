import fc from 'fast-check';
import { couponBody } from '../support/builders';
import { createCoupon } from '../support/coupons';
import { ADMIN_TOKEN } from '../support/env';
import { insertUserCoupon } from '../support/user-coupons';
import {
  INT4_MAX, anyJson, badIdSegment, encodeSegment, badInt4, badOpaqueId, badText, badUserSegment, corruptBody, expectNoServerError, expectRefusal,
  json, nastyStrings, nonJsonType, outOfRangeTimestamp,
} from './support';
import { useFuzzTarget } from './target';

// "Bad input gets a 4xx problem+json and changes nothing": every route's body, params and
// query, fuzzed with fast-check against the real app, PostgreSQL and Redis. The inputs aim
// at real coupons and user coupons, so a validation gap would show as a changed row or key.
let limited: number; // a limited coupon with stock left
let unlimited: number;
const holder = 'fuzz_holder';
let held: number; // holder's user coupon of `limited`
let used: number; // holder's used user coupon of `unlimited`

const RUNS = Number(process.env.FUZZ_RUNS ?? 60);
const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };

// after each test, nothing any bad request did may show: rows, Redis keys and values, Object.prototype
const fuzz = useFuzzTarget({}, async ({ env, api }) => {
  limited = await createCoupon(api, { count: 10 });
  unlimited = await createCoupon(api, { type: 'unlimited', count: 0, discountType: 'amount', discountAmount: 500 });
  // one accepted issuance waits in the queue (no worker runs here): its keys are part of the snapshot
  expect((await api.http.post(`/v1/coupons/${limited}/issuances`).send({ userId: 'fuzz_pending' })).status).toBe(202);
  held = (await insertUserCoupon(env.database.db, { userId: holder, couponId: limited })).id;
  used = (await insertUserCoupon(env.database.db, { userId: holder, couponId: unlimited, usedDate: new Date(), productId: 'p_1' })).id;
});

const property = <T>(arb: fc.Arbitrary<T>, check: (value: T) => Promise<void>) =>
  fc.assert(fc.asyncProperty(arb, check), { numRuns: RUNS });

const notIn = (...valid: unknown[]) => anyJson.filter((v) => !valid.includes(v));
const notInt = (min: number, max: number) =>
  fc.oneof(anyJson, fc.integer({ max: min - 1 }), fc.constant(max + 1), fc.double({ noNaN: true, min: -1e6, max: 1e6 }))
    .filter((v) => !(typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max));
const notTimestamp = fc.oneof(anyJson.filter((v) => typeof v !== 'string' || !/^\d{4}-/.test(v)), outOfRangeTimestamp);
const notName = fc.oneof(
  fc.oneof(anyJson, fc.string({ minLength: 101, maxLength: 400 }), fc.constantFrom('', ' ', '\t\n'))
    .filter((v) => typeof v !== 'string' || v.trim().length === 0 || v.length > 100),
  badText,
);

const couponFields = {
  name: notName,
  type: notIn('limited', 'unlimited'),
  count: notInt(0, INT4_MAX),
  startDate: notTimestamp,
  endDate: notTimestamp,
  expireMinute: notInt(1, INT4_MAX),
  discountType: notIn('percent', 'amount'),
  discountAmount: notInt(1, INT4_MAX),
};

describe('bodies', () => {
  it('POST /v1/coupons refuses every corrupted coupon', () =>
    property(corruptBody(couponBody({ count: 5 }), couponFields, ['name', 'type', 'startDate', 'endDate', 'expireMinute', 'discountType', 'discountAmount']),
      async (body) => {
        expectRefusal(await fuzz.http.send('POST', '/v1/coupons', { body, headers: { ...json, ...admin } }), [400, 413, 422]);
      }));

  it('PATCH /v1/coupons/:couponId refuses every corrupted change', () =>
    property(fc.tuple(corruptBody({ name: 'Renamed' }, couponFields, []), fc.constantFrom(limited, unlimited)), async ([body, id]) => {
      expectRefusal(await fuzz.http.send('PATCH', `/v1/coupons/${id}`, { body, headers: { ...json, ...admin } }), [400, 413, 422]);
    }));

  it('POST /v1/coupons/:couponId/issuances refuses every corrupted body', () =>
    property(fc.tuple(corruptBody({ userId: 'fuzz_new_user' }, { userId: badOpaqueId }, ['userId']), fc.constantFrom(limited, unlimited)),
      async ([body, id]) => {
        expectRefusal(await fuzz.http.send('POST', `/v1/coupons/${id}/issuances`, { body, headers: json }), [400, 413]);
      }));

  it('POST .../use refuses every corrupted body', () =>
    property(corruptBody({ couponId: limited, productId: 'p_9' }, { couponId: badInt4, productId: badOpaqueId }, ['couponId', 'productId']),
      async (body) => {
        expectRefusal(await fuzz.http.send('POST', `/v1/users/${holder}/coupons/${held}/use`, { body, headers: json }), [400, 413]);
      }));

  it('POST .../cancel-use refuses every corrupted body', () =>
    property(corruptBody({ couponId: unlimited }, { couponId: badInt4 }, ['couponId']), async (body) => {
      expectRefusal(await fuzz.http.send('POST', `/v1/users/${holder}/coupons/${used}/cancel-use`, { body, headers: json }), [400, 413]);
    }));

  it('any write route: raw bytes, malformed JSON, wrong or odd content types', () => {
    const routes = [
      ['POST', '/v1/coupons'], ['PATCH', `/v1/coupons/${limited}`], ['POST', `/v1/coupons/${limited}/issuances`],
      ['POST', `/v1/users/${holder}/coupons/${held}/use`], ['POST', `/v1/users/${holder}/coupons/${used}/cancel-use`],
    ] as const;
    const rawBody = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 300 }),
      fc.constantFrom('{', '{"userId":', '{"userId":"a",}', "{'userId':'a'}", '{"userId":"a"}{"userId":"b"}', 'NaN', '\u0000',
        '{"__proto__":{"polluted":1},"userId":"fuzz_new_user"}', '{"constructor":{"prototype":{"polluted":1}}}',
        '{"userId":"fuzz_new_user","userId":{"__proto__":null}}', '[' .repeat(5000) + ']'.repeat(5000)),
      anyJson.map((v) => JSON.stringify(v) ?? ''),
    );
    const contentType = fc.constantFrom(
      'application/json', 'application/json; charset=utf-8', 'application/json; charset=latin1', 'application/json; charset=utf-16',
      'application/problem+json', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', '', 'application/json; charset="',
    );
    const encoding = fc.constantFrom(undefined, 'gzip', 'deflate', 'br', 'identity', 'compress', 'x-unknown');
    return property(fc.tuple(fc.constantFrom(...routes), rawBody, contentType, encoding), async ([[method, path], body, type, enc]) => {
      // an empty PATCH (no body, or {}) is a valid change of nothing: the API accepts it
      fc.pre(!(method === 'PATCH' && ['', '{}'].includes(body.trim())));
      const headers: Record<string, string> = { ...admin };
      if (type) headers['content-type'] = type;
      if (enc) headers['content-encoding'] = enc;
      const res = await fuzz.http.send(method, path, { body, headers });
      // a raw body that happens to be a valid issue request for a new user would be accepted:
      // the generators above never produce one (every valid userId literal sits behind a bad key)
      expectRefusal(res);
    });
  });

  it('a valid JSON body under a type other than JSON is 415 unsupported_media_type on every write route', () => {
    const routes = [
      ['POST', '/v1/coupons', couponBody()], ['PATCH', `/v1/coupons/${limited}`, { name: 'Renamed' }],
      ['POST', `/v1/coupons/${limited}/issuances`, { userId: 'fuzz_new_user' }],
      ['POST', `/v1/users/${holder}/coupons/${held}/use`, { couponId: limited, productId: 'p_9' }],
      ['POST', `/v1/users/${holder}/coupons/${used}/cancel-use`, { couponId: unlimited }],
    ] as const;
    return property(fc.tuple(fc.constantFrom(...routes), nonJsonType), async ([[method, path, body], type]) => {
      const res = await fuzz.http.send(method, path, { body: JSON.stringify(body), headers: { ...admin, 'content-type': type } });
      expect({ type, code: expectRefusal(res, [415]).code }).toEqual({ type, code: 'unsupported_media_type' });
    });
  });

  it('JSON in a charset other than UTF-8 is refused, not decoded into an empty change', async () => {
    // found by the property above: one byte as UTF-16 decoded to "", read as {}, and the PATCH passed
    for (const charset of ['utf-16', 'utf-16le', 'utf-32', 'utf-7']) {
      const res = await fuzz.http.send('PATCH', `/v1/coupons/${limited}`, { body: '{', headers: { 'content-type': `application/json; charset=${charset}`, ...admin } });
      expect(expectRefusal(res, [400]).code).toBe('validation_failed');
    }
  });

  it('bodies over 64 KiB are 413 payload_too_large on every write route, even when well-formed', async () => {
    const huge = 'x'.repeat(64 * 1024);
    for (const [method, path, body] of [
      ['POST', '/v1/coupons', { ...couponBody(), name: huge }],
      ['PATCH', `/v1/coupons/${limited}`, { name: huge }],
      ['POST', `/v1/coupons/${limited}/issuances`, { userId: huge }],
      ['POST', `/v1/users/${holder}/coupons/${held}/use`, { couponId: limited, productId: huge }],
      ['POST', `/v1/users/${holder}/coupons/${used}/cancel-use`, { couponId: unlimited, pad: huge }],
    ] as const) {
      const problem = expectRefusal(await fuzz.http.send(method, path, { body: JSON.stringify(body), headers: { ...json, ...admin } }), [413]);
      expect(problem.code).toBe('payload_too_large');
    }
    // exactly at the limit still parses (and is refused for what it says, not for its size)
    const atLimit = JSON.stringify({ userId: 'a'.repeat(64 * 1024 - 13) });
    expect(Buffer.byteLength(atLimit)).toBe(64 * 1024);
    expect(expectRefusal(await fuzz.http.send('POST', `/v1/coupons/${limited}/issuances`, { body: atLimit, headers: json })).code).toBe('validation_failed');
  });
});

describe('params and query', () => {
  it('couponId path params that are not positive int4 are 400 (or 404 when the route cannot match)', () =>
    property(fc.tuple(badIdSegment, fc.constantFrom('GET', 'PATCH', 'DELETE', 'GET-history', 'POST-issue', 'GET-user')), async ([id, route]) => {
      const [method, path, body] = {
        GET: ['GET', `/v1/coupons/${id}`, undefined],
        PATCH: ['PATCH', `/v1/coupons/${id}`, JSON.stringify({ name: 'Renamed' })],
        DELETE: ['DELETE', `/v1/coupons/${id}`, undefined],
        'GET-history': ['GET', `/v1/coupons/${id}/history`, undefined],
        'POST-issue': ['POST', `/v1/coupons/${id}/issuances`, JSON.stringify({ userId: 'fuzz_new_user' })],
        'GET-user': ['GET', `/v1/coupons/${id}/issuances/${holder}`, undefined],
      }[route] as [string, string, string | undefined];
      const problem = expectRefusal(await fuzz.http.send(method, path, { body, headers: { ...json, ...admin } }), [400, 404]);
      if (problem.status === 404) expect(problem.code).toBe('not_found');
    }));

  it('userId path params out of charset or over 128 characters are 400', () =>
    property(fc.tuple(badUserSegment, fc.constantFrom('list', 'use', 'cancel', 'delete', 'issuance')), async ([user, route]) => {
      const [method, path, body] = {
        list: ['GET', `/v1/users/${user}/coupons`, undefined],
        use: ['POST', `/v1/users/${user}/coupons/${held}/use`, JSON.stringify({ couponId: limited, productId: 'p_9' })],
        cancel: ['POST', `/v1/users/${user}/coupons/${used}/cancel-use`, JSON.stringify({ couponId: unlimited })],
        delete: ['DELETE', `/v1/users/${user}/coupons/${held}?couponId=${limited}`, undefined],
        issuance: ['GET', `/v1/coupons/${limited}/issuances/${user}`, undefined],
      }[route] as [string, string, string | undefined];
      expectRefusal(await fuzz.http.send(method, path, { body, headers: json }), [400, 404]);
    }));

  it('userCouponId path params that are not positive int4 are 400', () =>
    property(fc.tuple(badIdSegment, fc.constantFrom('use', 'cancel', 'delete')), async ([id, route]) => {
      const [method, path, body] = {
        use: ['POST', `/v1/users/${holder}/coupons/${id}/use`, JSON.stringify({ couponId: limited, productId: 'p_9' })],
        cancel: ['POST', `/v1/users/${holder}/coupons/${id}/cancel-use`, JSON.stringify({ couponId: unlimited })],
        delete: ['DELETE', `/v1/users/${holder}/coupons/${id}?couponId=${limited}`, undefined],
      }[route] as [string, string, string | undefined];
      expectRefusal(await fuzz.http.send(method, path, { body, headers: json }), [400, 404]);
    }));

  it('DELETE .../coupons/:userCouponId with a bad or missing couponId query is 400', () => {
    const query = fc.oneof(
      fc.constant(''),
      badIdSegment.map((v) => `?couponId=${v}`),
      fc.constantFrom(`?couponId=${limited}&couponId=${limited}`, `?couponid=${limited}`, `?couponId[]=${limited}`, '?couponId', '?=1', '?&&'),
    );
    return property(query, async (q) => {
      expectRefusal(await fuzz.http.send('DELETE', `/v1/users/${holder}/coupons/${held}${q}`), [400]);
    });
  });

  it('GET /v1/users/:userId/coupons with bad limit or cursor is 400', () => {
    const badLimit = fc.oneof(
      fc.constantFrom('0', '101', '-1', '1.5', '1e2', '', 'abc', '99999999999999999999', '%00', '20&limit=30', '%EF%BC%91'),
      fc.integer({ min: 101 }).map(String), fc.integer({ max: 0 }).map(String),
    );
    const query = fc.oneof(badLimit.map((l) => `?limit=${l}`), badIdSegment.map((c) => `?cursor=${c}`),
      fc.tuple(badLimit, badIdSegment).map(([l, c]) => `?limit=${l}&cursor=${c}`));
    return property(query, async (q) => {
      expectRefusal(await fuzz.http.send('GET', `/v1/users/${holder}/coupons${q}`), [400]);
    });
  });

  it('GET /v1/issuances/:issuanceId with anything that is not an issuance id is 404 issuance_not_found', () => {
    const id = fc.oneof(
      fc.string({ unit: 'binary', minLength: 1, maxLength: 200 }).map(encodeSegment),
      fc.constantFrom(...nastyStrings.filter((s) => s && s !== '.' && s !== '..')).map(encodeSegment),
      fc.tuple(fc.integer({ min: 0 }), fc.string({ minLength: 8, maxLength: 40, unit: fc.constantFrom('a', 'z', '0', '9') })).map(([c, r]) => `${c}_${r}`),
      fc.bigInt({ min: 2147483648n, max: 10n ** 12n }).map((c) => `${c}_aaaaaaaaaaaa`),
      fc.string({ minLength: 65, maxLength: 3000, unit: fc.constantFrom('a', '_', '-', '1') }),
    );
    return property(id, async (issuanceId) => {
      const res = await fuzz.http.send('GET', `/v1/issuances/${issuanceId}`);
      const problem = expectRefusal(res, [400, 404]);
      if (res.status === 404) expect(problem.code).toBe('issuance_not_found');
    });
  });

  it('reads with random params, queries and headers never fail with a 5xx', () => {
    const segment = fc.oneof(badIdSegment, badUserSegment, fc.constantFrom(String(limited), String(unlimited), holder, String(held), String(INT4_MAX)));
    const query = fc.oneof(fc.constant(''), fc.dictionary(fc.constantFrom('limit', 'cursor', 'couponId', '__proto__', 'constructor', 'x'),
      fc.oneof(fc.string(), badIdSegment), { maxKeys: 3 }).map((q) => `?${Object.entries(q).map(([k, v]) => `${k}=${encodeSegment(v)}`).join('&')}`));
    const path = fc.oneof(
      fc.constantFrom('/v1/coupons', '/healthz', '/readyz', '/metrics', '/openapi.json', '/admin/queues'),
      segment.map((s) => `/v1/coupons/${s}`), segment.map((s) => `/v1/coupons/${s}/history`),
      segment.map((s) => `/v1/issuances/${s}`), fc.tuple(segment, segment).map(([c, u]) => `/v1/coupons/${c}/issuances/${u}`),
      segment.map((s) => `/v1/users/${s}/coupons`),
      fc.array(fc.string({ unit: 'binary', minLength: 1, maxLength: 12 }).map(encodeSegment), { minLength: 1, maxLength: 5 }).map((p) => `/v1/${p.join('/')}`),
    );
    const headers = fc.record({
      authorization: fc.constantFrom(`Bearer ${ADMIN_TOKEN}`, 'Bearer', 'Basic', `Basic ${Buffer.from(`admin:${ADMIN_TOKEN}`).toString('base64')}`, 'Basic !!!', 'Bearer \u00ff', ''),
      'x-request-id': fc.oneof(fc.string({ maxLength: 300, unit: fc.constantFrom('a', '-', ':', '.') }), fc.constantFrom('', '\u00ff\u00fe', 'a'.repeat(1000))),
      accept: fc.constantFrom('*/*', 'text/html', 'application/xml', ''),
    }, { requiredKeys: [] }).map((h) => Object.fromEntries(Object.entries(h).filter(([, v]) => v !== '')) as Record<string, string>);
    return property(fc.tuple(path, query, headers), async ([p, q, h]) => {
      expectNoServerError(await fuzz.http.send('GET', `${p}${q}`, { headers: h }));
    });
  });

  it('writes to random paths without a valid body or token never fail with a 5xx', () => {
    const path = fc.array(fc.oneof(
      fc.constantFrom('v1', 'coupons', 'users', 'issuances', 'use', 'cancel-use', 'history', String(limited), String(held), holder, '__proto__', 'constructor'),
      fc.string({ unit: 'binary', minLength: 1, maxLength: 12 }).map(encodeSegment),
    ), { minLength: 1, maxLength: 6 }).map((p) => `/${p.join('/')}`);
    return property(fc.tuple(fc.constantFrom('POST', 'PUT', 'PATCH', 'DELETE'), path), async ([method, p]) => {
      const res = await fuzz.http.send(method, p, { headers: { authorization: 'Bearer wrong-token' } });
      expectRefusal(res);
    });
  });
});

describe('rules and ranges', () => {
  it('well-formed values that break a rule are 4xx, never a database error', async () => {
    const coupon = couponBody();
    const cases: [string, string, unknown, number][] = [
      ['POST', '/v1/coupons', { ...coupon, startDate: coupon.endDate, endDate: coupon.startDate }, 400],
      ['POST', '/v1/coupons', { ...coupon, startDate: '2023-02-30T00:00:00Z' }, 400],
      ['POST', '/v1/coupons', { ...coupon, startDate: '2023-01-01T24:00:00Z' }, 400],
      ['POST', '/v1/coupons', { ...coupon, startDate: '2023-01-01T00:00:00+24:00' }, 400],
      ['POST', '/v1/coupons', { ...coupon, startDate: '0000-01-01T00:00:00Z' }, 400],
      ['POST', '/v1/coupons', { ...coupon, discountType: 'percent', discountAmount: 101 }, 400],
      ['POST', '/v1/coupons', { ...coupon, type: 'unlimited', count: 5 }, 400],
      ['POST', '/v1/coupons', { ...coupon, type: 'limited', count: 0 }, 400],
      ['POST', '/v1/coupons', { ...coupon, count: INT4_MAX + 1 }, 400],
      ['POST', '/v1/coupons', { ...coupon, expireMinute: INT4_MAX + 1 }, 400],
      ['POST', '/v1/coupons', { ...coupon, discountType: 'amount', discountAmount: INT4_MAX + 1 }, 400],
      ['POST', '/v1/coupons', { ...coupon, name: '   ' }, 400],
      ['PATCH', `/v1/coupons/${limited}`, { count: INT4_MAX }, 422],
      ['PATCH', `/v1/coupons/${limited}`, { count: -1 }, 422],
      ['PATCH', `/v1/coupons/${unlimited}`, { count: 1 }, 422],
      ['PATCH', `/v1/coupons/${limited}`, { type: 'unlimited' }, 422],
      ['PATCH', `/v1/coupons/${limited}`, { discountAmount: 101 }, 400],
      ['PATCH', `/v1/coupons/${limited}`, { startDate: '2999-01-01T00:00:00Z' }, 400],
      ['PATCH', `/v1/coupons/${INT4_MAX}`, { name: 'x' }, 404],
      ['DELETE', `/v1/coupons/${INT4_MAX}`, undefined, 404],
      ['POST', `/v1/coupons/${INT4_MAX}/issuances`, { userId: 'fuzz_new_user' }, 404],
      ['POST', `/v1/users/${holder}/coupons/${held}/use`, { couponId: INT4_MAX, productId: 'p_9' }, 409],
      ['POST', `/v1/users/${holder}/coupons/${used}/use`, { couponId: unlimited, productId: 'p_9' }, 409],
      ['POST', `/v1/users/${holder}/coupons/${held}/cancel-use`, { couponId: limited }, 409],
      ['POST', `/v1/users/${holder}/coupons/${INT4_MAX}/use`, { couponId: limited, productId: 'p_9' }, 404],
      ['POST', `/v1/users/other_user/coupons/${held}/use`, { couponId: limited, productId: 'p_9' }, 404],
      ['DELETE', `/v1/users/${holder}/coupons/${held}?couponId=${INT4_MAX}`, undefined, 409],
      ['DELETE', `/v1/users/${holder}/coupons/${INT4_MAX}?couponId=${limited}`, undefined, 404],
      ['POST', `/v1/coupons/${limited}/issuances`, { userId: 'fuzz_pending' }, 409],
    ];
    for (const [method, path, body, status] of cases) {
      const res = await fuzz.http.send(method, path, { body: body === undefined ? undefined : JSON.stringify(body), headers: { ...json, ...admin } });
      try {
        expectRefusal(res, [status]);
      } catch (error) {
        throw new Error(`${method} ${path} ${JSON.stringify(body)}: ${(error as Error).message}`);
      }
    }
  });

  it('ids beyond int4 are 400 in paths, queries and bodies alike', async () => {
    for (const big of ['2147483648', '9999999999', '99999999999999999999']) {
      for (const [method, path, body] of [
        ['GET', `/v1/coupons/${big}`, undefined],
        ['GET', `/v1/coupons/${big}/issuances/${holder}`, undefined],
        ['POST', `/v1/coupons/${big}/issuances`, { userId: 'fuzz_new_user' }],
        ['POST', `/v1/users/${holder}/coupons/${big}/use`, { couponId: limited, productId: 'p_9' }],
        ['DELETE', `/v1/users/${holder}/coupons/${held}?couponId=${big}`, undefined],
        ['GET', `/v1/users/${holder}/coupons?cursor=${big}`, undefined],
        ['POST', `/v1/users/${holder}/coupons/${held}/use`, { couponId: Number(big), productId: 'p_9' }],
        ['POST', `/v1/users/${holder}/coupons/${used}/cancel-use`, { couponId: Number(big) }],
      ] as const) {
        const res = await fuzz.http.send(method, path, { body: body && JSON.stringify(body), headers: { ...json, ...admin } });
        expect({ path, status: res.status }).toEqual({ path, status: 400 });
        expectRefusal(res);
      }
    }
  });

  it('userId and productId: 128 characters of [A-Za-z0-9._:@-] pass validation, 129 or one other character do not', async () => {
    const fine = `${'a'.repeat(121)}._:@-Z9`;
    expect(fine).toHaveLength(128);
    // valid ids reach the rules (404: no such user coupon), invalid ones stop at validation (400)
    const use = (user: string, productId: string) =>
      fuzz.http.send('POST', `/v1/users/${encodeSegment(user)}/coupons/${held}/use`, { body: JSON.stringify({ couponId: limited, productId }), headers: json });
    expect((await use(fine, 'p_9')).status).toBe(404);
    expect(expectRefusal(await use(`${fine}a`, 'p_9'), [400]).code).toBe('validation_failed');
    for (const bad of ['a b', 'a/b', 'a%b', 'ä', 'a\u0000', 'a\u202e', '\ud83d\ude00', 'a+b', 'a,b', 'a;b', "a'b", '']) {
      expectRefusal(await use(holder, bad), [400]);
      if (bad) expectRefusal(await use(`u${bad}`, 'p_9'), [400]);
      expectRefusal(await fuzz.http.send('POST', `/v1/coupons/${limited}/issuances`, { body: JSON.stringify({ userId: bad }), headers: json }), [400]);
    }
    expectRefusal(await use(holder, `${fine}a`), [400]);
  });
});
