import { SignJWT } from 'jose';
import { startTestApi, type TestApi } from '../support/api';
import { createTestEnv, type TestEnv } from '../support/env';
import { bearer, claimsFor, mint, signingKey, unsecured, type SigningKey } from '../support/jwt';
import { expectProblem } from '../support/problems';
import { expectInvalidToken } from './support';

// The two other key sources of API.md "AUTH_MODE": JWT_PUBLIC_KEY and JWT_SECRET, each with
// its algorithm pinned by the key.
const SECRET = 'a-shared-secret-of-32-characters!';
let env: TestEnv;
let es: SigningKey;
let byPublicKey: TestApi;
let bySecret: TestApi;

beforeAll(async () => {
  env = await createTestEnv();
  es = await signingKey('any', 'ES256');
  byPublicKey = await startTestApi(env, { AUTH_MODE: 'jwt', JWT_PUBLIC_KEY: es.publicPem });
  bySecret = await startTestApi(env, { AUTH_MODE: 'jwt', JWT_SECRET: SECRET, JWT_ALGORITHMS: 'HS256' });
});
afterAll(async () => {
  await byPublicKey?.close();
  await bySecret?.close();
  await env?.close();
});

const hmac = (secret: string, alg = 'HS256') => ({ secret: new TextEncoder().encode(secret), alg });
const list = '/v1/users/alice/coupons';

describe('JWT_PUBLIC_KEY (an EC P-256 key: ES256 only)', () => {
  it('verifies tokens signed by its private key, with no issuer or audience configured', async () => {
    expect((await byPublicKey.http.get(list).set(bearer(await mint(es, { iss: null, aud: null })))).status).toBe(200);
  });

  it('refuses HS256 signed with the public key itself, alg none, and another key', async () => {
    const confused = await new SignJWT(claimsFor('alice')).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(es.publicPem));
    expectInvalidToken(await byPublicKey.http.get(list).set(bearer(confused)));
    expectInvalidToken(await byPublicKey.http.get(list).set(bearer(unsecured(claimsFor('alice')))));
    expectInvalidToken(await byPublicKey.http.get(list).set(bearer(await mint(await signingKey('other', 'ES256')))));
    expectInvalidToken(await byPublicKey.http.get(list).set(bearer(await mint(await signingKey('rsa', 'RS256')))));
  });
});

describe('JWT_SECRET with JWT_ALGORITHMS=HS256', () => {
  it('verifies HS256 tokens made with the secret', async () => {
    expect((await bySecret.http.get(list).set(bearer(await mint(hmac(SECRET))))).status).toBe(200);
  });

  it('refuses another secret, an algorithm left out of JWT_ALGORITHMS, an asymmetric token and alg none', async () => {
    expectInvalidToken(await bySecret.http.get(list).set(bearer(await mint(hmac(`${SECRET}x`)))));
    const hs512 = await bySecret.http.get(list).set(bearer(await mint(hmac(SECRET, 'HS512'))));
    expectInvalidToken(hs512);
    expect(hs512.body.detail).toBe("the token's algorithm is not accepted");
    expectInvalidToken(await bySecret.http.get(list).set(bearer(await mint(es))));
    expectInvalidToken(await bySecret.http.get(list).set(bearer(unsecured(claimsFor('alice')))));
  });

  it('acts for the token subject only', async () => {
    expectProblem(await bySecret.http.get('/v1/users/bob/coupons').set(bearer(await mint(hmac(SECRET)))), 403, 'forbidden');
  });
});
