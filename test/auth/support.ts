import { startTestApi, type TestApi } from '../support/api';
import { createTestEnv, type TestEnv } from '../support/env';
import { expectProblem, type Answer } from '../support/problems';
import { AUDIENCE, ISSUER, bearer, mint, signingKey, startJwksServer, type JwksServer, type SigningKey, type TokenOptions } from '../support/jwt';

/** A file's API in `AUTH_MODE=jwt` against a JWKS served by the test, with issuer and audience checked. */
export interface JwtStack {
  env: TestEnv;
  api: TestApi;
  jwks: JwksServer;
  key: SigningKey;
  /** `Authorization` header of a token for `sub` signed with the served key. */
  as(sub: string, options?: TokenOptions): Promise<{ Authorization: string }>;
  /** A backend's token: it may act for any user. */
  backend(): Promise<{ Authorization: string }>;
}

export function useJwtStack(vars: Record<string, string> = {}): JwtStack {
  let key: SigningKey | undefined;
  let jwks: JwksServer | undefined;
  let env: TestEnv | undefined;
  let api: TestApi | undefined;
  beforeAll(async () => {
    key = await signingKey('k1');
    jwks = await startJwksServer([key.publicJwk]);
    env = await createTestEnv();
    api = await startTestApi(env, { AUTH_MODE: 'jwt', JWT_JWKS_URL: jwks.url, JWT_ISSUER: ISSUER, JWT_AUDIENCE: AUDIENCE, ...vars });
  });
  afterAll(async () => {
    await api?.close();
    await env?.close();
    await jwks?.stop();
  });
  const ready = <T>(value: T | undefined, field: string): T => {
    if (value === undefined) throw new Error(`stack.${field} is read before useJwtStack's beforeAll ran, or that beforeAll failed`);
    return value;
  };
  const stack: JwtStack = {
    get env() {
      return ready(env, 'env');
    },
    get api() {
      return ready(api, 'api');
    },
    get jwks() {
      return ready(jwks, 'jwks');
    },
    get key() {
      return ready(key, 'key');
    },
    as: async (sub, options = {}) => bearer(await mint(stack.key, { sub, ...options })),
    backend: async () => bearer(await mint(stack.key, { sub: 'checkout-service', scope: `orders:read coupons:act-as-user` })),
  };
  return stack;
}

/** A 401 for a token that was sent but is not valid (RFC 6750 `invalid_token`). */
export function expectInvalidToken(res: Answer) {
  expectProblem(res, 401, 'unauthorized');
  expect(res.headers['www-authenticate']).toMatch(/^Bearer error="invalid_token"/);
}
