import fc from 'fast-check';
import { couponBody } from '../support/builders';
import { ADMIN_TOKEN } from '../support/env';
import { useFuzzFixtures, admin, holder, property } from './fixtures';
import { INT4_MAX, badIdSegment, encodeSegment, expectNoServerError, expectRefusal, json, nastyStrings, badUserSegment } from './support';

// The same promise for every route's params, query and rules: paths, queries and values that
// break a rule are 4xx, never a database error, and change nothing.
const { fuzz, ids } = useFuzzFixtures();

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
        use: ['POST', `/v1/users/${user}/coupons/${ids.held}/use`, JSON.stringify({ couponId: ids.limited, productId: 'p_9' })],
        cancel: ['POST', `/v1/users/${user}/coupons/${ids.used}/cancel-use`, JSON.stringify({ couponId: ids.unlimited })],
        delete: ['DELETE', `/v1/users/${user}/coupons/${ids.held}?couponId=${ids.limited}`, undefined],
        issuance: ['GET', `/v1/coupons/${ids.limited}/issuances/${user}`, undefined],
      }[route] as [string, string, string | undefined];
      expectRefusal(await fuzz.http.send(method, path, { body, headers: json }), [400, 404]);
    }));

  it('userCouponId path params that are not positive int4 are 400', () =>
    property(fc.tuple(badIdSegment, fc.constantFrom('use', 'cancel', 'delete')), async ([id, route]) => {
      const [method, path, body] = {
        use: ['POST', `/v1/users/${holder}/coupons/${id}/use`, JSON.stringify({ couponId: ids.limited, productId: 'p_9' })],
        cancel: ['POST', `/v1/users/${holder}/coupons/${id}/cancel-use`, JSON.stringify({ couponId: ids.unlimited })],
        delete: ['DELETE', `/v1/users/${holder}/coupons/${id}?couponId=${ids.limited}`, undefined],
      }[route] as [string, string, string | undefined];
      expectRefusal(await fuzz.http.send(method, path, { body, headers: json }), [400, 404]);
    }));

  it('DELETE .../coupons/:userCouponId with a bad or missing couponId query is 400', () => {
    const query = fc.oneof(
      fc.constant(''),
      badIdSegment.map((v) => `?couponId=${v}`),
      fc.constantFrom(`?couponId=${ids.limited}&couponId=${ids.limited}`, `?couponid=${ids.limited}`, `?couponId[]=${ids.limited}`, '?couponId', '?=1', '?&&'),
    );
    return property(query, async (q) => {
      expectRefusal(await fuzz.http.send('DELETE', `/v1/users/${holder}/coupons/${ids.held}${q}`), [400]);
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
    const segment = fc.oneof(badIdSegment, badUserSegment, fc.constantFrom(String(ids.limited), String(ids.unlimited), holder, String(ids.held), String(INT4_MAX)));
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
      fc.constantFrom('v1', 'coupons', 'users', 'issuances', 'use', 'cancel-use', 'history', String(ids.limited), String(ids.held), holder, '__proto__', 'constructor'),
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
      ['PATCH', `/v1/coupons/${ids.limited}`, { count: INT4_MAX }, 422],
      ['PATCH', `/v1/coupons/${ids.limited}`, { count: -1 }, 422],
      ['PATCH', `/v1/coupons/${ids.unlimited}`, { count: 1 }, 422],
      ['PATCH', `/v1/coupons/${ids.limited}`, { type: 'unlimited' }, 422],
      ['PATCH', `/v1/coupons/${ids.limited}`, { discountAmount: 101 }, 400],
      ['PATCH', `/v1/coupons/${ids.limited}`, { startDate: '2999-01-01T00:00:00Z' }, 400],
      ['PATCH', `/v1/coupons/${INT4_MAX}`, { name: 'x' }, 404],
      ['DELETE', `/v1/coupons/${INT4_MAX}`, undefined, 404],
      ['POST', `/v1/coupons/${INT4_MAX}/issuances`, { userId: 'fuzz_new_user' }, 404],
      ['POST', `/v1/users/${holder}/coupons/${ids.held}/use`, { couponId: INT4_MAX, productId: 'p_9' }, 409],
      ['POST', `/v1/users/${holder}/coupons/${ids.used}/use`, { couponId: ids.unlimited, productId: 'p_9' }, 409],
      ['POST', `/v1/users/${holder}/coupons/${ids.held}/cancel-use`, { couponId: ids.limited }, 409],
      ['POST', `/v1/users/${holder}/coupons/${INT4_MAX}/use`, { couponId: ids.limited, productId: 'p_9' }, 404],
      ['POST', `/v1/users/other_user/coupons/${ids.held}/use`, { couponId: ids.limited, productId: 'p_9' }, 404],
      ['DELETE', `/v1/users/${holder}/coupons/${ids.held}?couponId=${INT4_MAX}`, undefined, 409],
      ['DELETE', `/v1/users/${holder}/coupons/${INT4_MAX}?couponId=${ids.limited}`, undefined, 404],
      ['POST', `/v1/coupons/${ids.limited}/issuances`, { userId: 'fuzz_pending' }, 409],
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
        ['POST', `/v1/users/${holder}/coupons/${big}/use`, { couponId: ids.limited, productId: 'p_9' }],
        ['DELETE', `/v1/users/${holder}/coupons/${ids.held}?couponId=${big}`, undefined],
        ['GET', `/v1/users/${holder}/coupons?cursor=${big}`, undefined],
        ['POST', `/v1/users/${holder}/coupons/${ids.held}/use`, { couponId: Number(big), productId: 'p_9' }],
        ['POST', `/v1/users/${holder}/coupons/${ids.used}/cancel-use`, { couponId: Number(big) }],
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
      fuzz.http.send('POST', `/v1/users/${encodeSegment(user)}/coupons/${ids.held}/use`, { body: JSON.stringify({ couponId: ids.limited, productId }), headers: json });
    expect((await use(fine, 'p_9')).status).toBe(404);
    expect(expectRefusal(await use(`${fine}a`, 'p_9'), [400]).code).toBe('validation_failed');
    for (const bad of ['a b', 'a/b', 'a%b', 'ä', 'a\u0000', 'a\u202e', '\ud83d\ude00', 'a+b', 'a,b', 'a;b', "a'b", '']) {
      expectRefusal(await use(holder, bad), [400]);
      if (bad) expectRefusal(await use(`u${bad}`, 'p_9'), [400]);
      expectRefusal(await fuzz.http.send('POST', `/v1/coupons/${ids.limited}/issuances`, { body: JSON.stringify({ userId: bad }), headers: json }), [400]);
    }
    expectRefusal(await use(holder, `${fine}a`), [400]);
  });
});
