import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { createCoupon } from '../support/coupons';
import { insertUserCoupon } from '../support/user-coupons';
import { anyJson, expectRefusal, json, nastyStrings } from './support';
import { useFuzzTarget } from './target';

// The Authorization header of the user routes in AUTH_MODE=jwt, fuzzed: garbage, tokens of
// any shape, and tokens correctly signed with the API's own secret whose claims are random.
// None may answer 5xx, none may act for the target user (no token here names it or carries
// the backend scope), and nothing may change.
const SECRET = 'fuzz-secret-of-at-least-32-characters';
const ISSUER = 'fuzz-issuer';
const target = 'fuzz_target';
const RUNS = Number(process.env.FUZZ_RUNS ?? 60);

let routes: [string, string, string | undefined][];

const fuzz = useFuzzTarget({ AUTH_MODE: 'jwt', JWT_SECRET: SECRET, JWT_ISSUER: ISSUER, JWT_AUDIENCE: 'fuzz' }, async ({ env, api }) => {
  const couponId = await createCoupon(api, { count: 10 });
  const own = { authorization: `Bearer ${sign({ alg: 'HS256' }, claims(target))}` };
  const issued = await api.http.post(`/v1/coupons/${couponId}/issuances`).set(own).send({ userId: target });
  expect(issued.status).toBe(202);
  const other = await createCoupon(api, { type: 'unlimited', count: 0 });
  const held = (await insertUserCoupon(env.database.db, { userId: target, couponId: other })).id;
  routes = [
    ['POST', `/v1/coupons/${couponId}/issuances`, JSON.stringify({ userId: target })],
    ['GET', `/v1/coupons/${couponId}/issuances/${target}`, undefined],
    ['GET', `/v1/issuances/${issued.body.issuanceId}`, undefined],
    ['GET', `/v1/users/${target}/coupons`, undefined],
    ['POST', `/v1/users/${target}/coupons/${held}/use`, JSON.stringify({ couponId: other, productId: 'p_1' })],
    ['POST', `/v1/users/${target}/coupons/${held}/cancel-use`, JSON.stringify({ couponId: other })],
    ['DELETE', `/v1/users/${target}/coupons/${held}?couponId=${other}`, undefined],
  ];
});

const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value) ?? 'null').toString('base64url');
const now = () => Math.floor(Date.now() / 1000);

function claims(sub: unknown, extra: Record<string, unknown> = {}) {
  return { sub, iss: ISSUER, aud: 'fuzz', exp: now() + 60, ...extra };
}

/** header.payload.HMAC-SHA256 with the API's secret, whatever the header says. */
function sign(header: unknown, payload: unknown): string {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${createHmac('sha256', SECRET).update(input).digest('base64url')}`;
}

const HEADER_TEXT = /^[\t\x20-\x7e\x80-\xff]*$/; // what an HTTP header value may carry

const anyScope = fc.oneof(anyJson, fc.constantFrom('coupons:act-as-user-x', 'coupons', 'act-as-user', 'coupons:act-as-user,other', 'COUPONS:ACT-AS-USER'));
const notTarget = fc.oneof(anyJson, fc.constantFrom(...nastyStrings), fc.constantFrom('fuzz_other', 'fuzz_target ', 'FUZZ_TARGET', 'fuzz_target\u0000'))
  .filter((sub) => sub !== target);
const anyTime = fc.oneof(fc.integer({ min: -1e10, max: 1e10 }), fc.constantFrom(now() - 3600, now() + 3600, 1e300, -0, NaN), anyJson);

/** Claims sets: each field may be missing, of the wrong type, or out of range. */
const randomClaims = fc.record({
  sub: notTarget,
  iss: fc.oneof(fc.constant(ISSUER), anyJson),
  aud: fc.oneof(fc.constant('fuzz'), fc.constant(['fuzz', 'x']), anyJson),
  exp: fc.oneof(fc.constant(now() + 60), anyTime),
  nbf: anyTime,
  scope: anyScope,
  scp: fc.oneof(anyScope, fc.array(anyScope, { maxLength: 3 })),
}, { requiredKeys: [] });

const randomHeader = fc.oneof(
  fc.constant({ alg: 'HS256' }),
  fc.record({
    alg: fc.oneof(fc.constantFrom('HS256', 'HS384', 'none', 'None', 'RS256', 'ES256', 'EdDSA', ''), anyJson),
    typ: fc.oneof(fc.constant('JWT'), anyJson),
    kid: anyJson,
    crit: fc.oneof(fc.constant(['b64']), anyJson),
    b64: fc.boolean(),
    jku: fc.constantFrom('http://127.0.0.1:1/jwks', 'file:///etc/passwd'),
    jwk: anyJson,
  }, { requiredKeys: ['alg'] }),
  anyJson,
);

const authorization = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.constantFrom('Bearer', 'Bearer ', 'bearer x.y.z', 'Basic YWRtaW46eA==', `Bearer ${SECRET}`, 'Bearer ..', 'Bearer a..b', 'Bearer  x.y.z '),
  fc.array(fc.string({ unit: fc.constantFrom('A', 'z', '0', '-', '_', '=', '.', '+', '/'), maxLength: 60 }), { minLength: 1, maxLength: 5 })
    .map((parts) => `Bearer ${parts.join('.')}`),
  fc.tuple(randomHeader, fc.oneof(randomClaims, anyJson), fc.string({ maxLength: 40 }))
    .map(([header, payload, sig]) => `Bearer ${b64(header)}.${b64(payload)}.${b64(sig)}`),
  fc.tuple(randomHeader, fc.oneof(randomClaims.map((c) => ({ ...claims(undefined), ...c })), anyJson))
    .map(([header, payload]) => `Bearer ${sign(header, payload)}`),
).filter((value) => HEADER_TEXT.test(value));

it('random Authorization headers on every user route: 401 or 403 problem+json, never 5xx, nothing changed', () =>
  fc.assert(fc.asyncProperty(authorization, fc.integer({ min: 0, max: 6 }), async (header, i) => {
    const [method, path, body] = routes[i]!;
    const res = await fuzz.http.send(method, path, { body, headers: { ...json, authorization: header } });
    expectRefusal(res, [401, 403]);
  }), { numRuns: RUNS * 3 }), 120_000);

it('correctly signed tokens with random claims never act for the target user', () =>
  fc.assert(fc.asyncProperty(randomClaims, fc.integer({ min: 0, max: 6 }), async (random, i) => {
    const [method, path, body] = routes[i]!;
    const token = sign({ alg: 'HS256' }, { ...claims('fuzz_other'), ...random });
    const res = await fuzz.http.send(method, path, { body, headers: { ...json, authorization: `Bearer ${token}` } });
    expectRefusal(res, [401, 403]);
  }), { numRuns: RUNS * 2 }), 120_000);
