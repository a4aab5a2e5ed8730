import { startTestApi, type TestApi } from '../support/api';
import { createTestEnv, type TestEnv } from '../support/env';
import { lateFields } from '../support/hooks';
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
  const { view, values } = lateFields<Pick<JwtStack, 'env' | 'api' | 'jwks' | 'key'>>(['env', 'api', 'jwks', 'key'],
    (key) => `stack.${key} is read before useJwtStack's beforeAll ran, or that beforeAll failed`);
  beforeAll(async () => {
    values.key = await signingKey('k1');
    values.jwks = await startJwksServer([values.key.publicJwk]);
    values.env = await createTestEnv();
    values.api = await startTestApi(values.env, {
      AUTH_MODE: 'jwt', JWT_JWKS_URL: values.jwks.url, JWT_ISSUER: ISSUER, JWT_AUDIENCE: AUDIENCE, ...vars,
    });
  });
  afterAll(async () => {
    await values.api?.close();
    await values.env?.close();
    await values.jwks?.stop();
  });
  return Object.assign(view, {
    as: async (sub: string, options: TokenOptions = {}) => bearer(await mint(view.key, { sub, ...options })),
    backend: async () => bearer(await mint(view.key, { sub: 'checkout-service', scope: `orders:read coupons:act-as-user` })),
  });
}

/** A 401 for a token that was sent but is not valid (RFC 6750 `invalid_token`). */
export function expectInvalidToken(res: Answer) {
  expectProblem(res, 401, 'unauthorized');
  expect(res.headers['www-authenticate']).toMatch(/^Bearer error="invalid_token"/);
}
