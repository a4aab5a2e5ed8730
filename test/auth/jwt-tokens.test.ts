import { SignJWT } from 'jose';
import { startTestApi } from '../support/api';
import { couponBody } from '../support/builders';
import { createCoupon } from '../support/coupons';
import { AUDIENCE, ISSUER, bearer, claimsFor, mint, signingKey, unsecured } from '../support/jwt';
import { eventually } from '../support/processes';
import { expectProblem } from '../support/problems';
import { expectInvalidToken, useJwtStack } from './support';

// API.md "AUTH_MODE", jwt: which tokens verify. The API fetches its keys from a JWKS the test
// serves over HTTP; the cache is short here (1 s) so that rotation can be watched.
const stack = useJwtStack({ JWT_JWKS_CACHE_MS: '1000', JWT_JWKS_COOLDOWN_MS: '0' });
const list = (user = 'alice') => `/v1/users/${user}/coupons`;

describe('every user route needs a token', () => {
  it('answers 401 unauthorized with WWW-Authenticate: Bearer when there is none', async () => {
    const { http } = stack.api;
    const couponId = await createCoupon(stack.api);
    const routes = [
      http.post(`/v1/coupons/${couponId}/issuances`).send({ userId: 'alice' }),
      http.get(`/v1/coupons/${couponId}/issuances/alice`),
      http.get(`/v1/issuances/${couponId}_abcdefghijkl`),
      http.get(list()),
      http.post('/v1/users/alice/coupons/1/use').send({ couponId, productId: 'p1' }),
      http.post('/v1/users/alice/coupons/1/cancel-use').send({ couponId }),
      http.delete(`/v1/users/alice/coupons/1?couponId=${couponId}`),
    ];
    for (const res of await Promise.all(routes)) {
      expectProblem(res, 401, 'unauthorized');
      expect(res.headers['www-authenticate']).toBe('Bearer');
    }
  });

  it('takes the admin token for admin routes only, and needs no token for coupons, health, metrics and docs', async () => {
    const { http, admin } = stack.api;
    expect((await http.post('/v1/coupons').set(admin).send(couponBody())).status).toBe(201);
    expectProblem(await http.post('/v1/coupons').set(await stack.as('alice', { scope: 'coupons:act-as-user' })).send(couponBody()), 401, 'unauthorized');
    expectInvalidToken(await http.get(list()).set(admin));
    for (const path of ['/v1/coupons', '/healthz', '/readyz', '/metrics', '/openapi.json', '/docs']) {
      expect({ path, status: (await http.get(path)).status }).toEqual({ path, status: 200 });
    }
  });
});

describe('a token verifies only when', () => {
  it('it is signed by a key of the JWKS, names the issuer and audience, and is within exp/nbf', async () => {
    const res = await stack.api.http.get(list()).set(await stack.as('alice'));
    expect(res.status).toBe(200);
    // nbf a moment ahead is within the clock tolerance (JWT_CLOCK_TOLERANCE_SECONDS, 5 s)
    expect((await stack.api.http.get(list()).set(await stack.as('alice', { notBefore: 2 }))).status).toBe(200);
  });

  it.each([
    ['expired', { expiresIn: -60 }, 'the token has expired'],
    ['expired beyond the tolerance only', { expiresIn: -6 }, 'the token has expired'],
    ['not yet valid', { notBefore: 60 }, 'the token is not valid yet'],
    ['from another issuer', { iss: 'https://evil.example' }, 'the token\'s "iss" claim is missing or not accepted'],
    ['without an issuer', { iss: null }, 'the token\'s "iss" claim is missing or not accepted'],
    ['for another audience', { aud: 'another-api' }, 'the token\'s "aud" claim is missing or not accepted'],
    ['without an expiry', { expiresIn: null }, 'the token\'s "exp" claim is missing or not accepted'],
    ['without a subject', { sub: null }, 'the token\'s "sub" claim is missing or not accepted'],
  ])('is refused when %s', async (_what, options, detail) => {
    const res = await stack.api.http.get(list()).set(await stack.as('alice', options));
    expectInvalidToken(res);
    expect(res.body.detail).toBe(detail);
  });

  it('is refused when signed by another key, under the served kid or an unknown one', async () => {
    const impostor = await signingKey('k1');
    expectInvalidToken(await stack.api.http.get(list()).set(bearer(await mint(impostor))));
    expectInvalidToken(await stack.api.http.get(list()).set(bearer(await mint(impostor, { kid: 'k9' }))));
  });

  it('is refused with alg "none", whatever it claims', async () => {
    const token = unsecured(claimsFor('alice', { scope: 'coupons:act-as-user' }));
    expectInvalidToken(await stack.api.http.get(list()).set(bearer(token)));
  });

  it('is refused when HS256-signed with the public key (algorithm confusion)', async () => {
    const { publicPem, publicJwk } = stack.key;
    for (const secret of [publicPem, JSON.stringify(publicJwk), String(publicJwk.n)]) {
      const token = await new SignJWT(claimsFor('alice')).setProtectedHeader({ alg: 'HS256', kid: 'k1' }).sign(new TextEncoder().encode(secret));
      const res = await stack.api.http.get(list()).set(bearer(token));
      expectInvalidToken(res);
      expect(res.body.detail).toBe("the token's algorithm is not accepted");
    }
  });

  it('is refused when malformed or not a Bearer token', async () => {
    for (const header of ['Bearer', 'Bearer ', 'Bearer a.b', 'Bearer a.b.c.d', 'Basic YWRtaW46eA==', 'Token abc', 'Bearer ey.ey.sig', `Bearer ${'a'.repeat(3000)}.b.c`]) {
      expectInvalidToken(await stack.api.http.get(list()).set('Authorization', header));
    }
  });
});

describe('the JWKS', () => {
  it('is fetched once and cached, not fetched per request', async () => {
    const api = await startTestApi(stack.env, { AUTH_MODE: 'jwt', JWT_JWKS_URL: stack.jwks.url, JWT_ISSUER: ISSUER, JWT_AUDIENCE: AUDIENCE });
    try {
      const before = stack.jwks.fetches;
      for (const user of ['u1', 'u2', 'u3', 'u4', 'u5']) expect((await api.http.get(list(user)).set(await stack.as(user))).status).toBe(200);
      expect(stack.jwks.fetches - before).toBe(1);
    } finally {
      await api.close();
    }
  });

  it('is followed through a rotation: the new key verifies at once, the removed key stops', async () => {
    const old = await stack.as('alice');
    expect((await stack.api.http.get(list()).set(old)).status).toBe(200);
    const next = await signingKey('k2', 'ES256');
    stack.jwks.keys = [next.publicJwk];
    // an unknown kid makes the API fetch the set again (no cooldown in this file)
    expect((await stack.api.http.get(list()).set(bearer(await mint(next)))).status).toBe(200);
    // the old token worked a moment ago (and is remembered as verified); once the fetched set
    // is older than JWT_JWKS_CACHE_MS, its key is gone and so is it
    await eventually(async () => ((await stack.api.http.get(list()).set(old)).status === 401 ? true : undefined), 10_000, 'old key refused');
    expectInvalidToken(await stack.api.http.get(list()).set(await stack.as('alice')));
    stack.jwks.keys = [stack.key.publicJwk, next.publicJwk];
  }, 30_000);

  it('unreachable: user requests answer 503 service_unavailable (the token may be fine), and recover', async () => {
    const api = await startTestApi(stack.env, {
      AUTH_MODE: 'jwt', JWT_JWKS_URL: stack.jwks.url, JWT_ISSUER: ISSUER, JWT_AUDIENCE: AUDIENCE, JWT_JWKS_CACHE_MS: '0',
    });
    try {
      await stack.jwks.stop();
      const res = await api.http.get(list()).set(await stack.as('alice'));
      expectProblem(res, 503, 'service_unavailable');
      expect(res.headers['retry-after']).toBe('1');
      await stack.jwks.start();
      expect((await api.http.get(list()).set(await stack.as('alice'))).status).toBe(200);
    } finally {
      await stack.jwks.start().catch(() => {});
      await api.close();
    }
  });
});
