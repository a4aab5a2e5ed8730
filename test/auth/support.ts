import { startTestApi, type TestApi } from '../support/api';
import { createTestEnv, type TestEnv } from '../support/env';
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
  const stack = {} as JwtStack;
  beforeAll(async () => {
    stack.key = await signingKey('k1');
    stack.jwks = await startJwksServer([stack.key.publicJwk]);
    stack.env = await createTestEnv();
    stack.api = await startTestApi(stack.env, {
      AUTH_MODE: 'jwt',
      JWT_JWKS_URL: stack.jwks.url,
      JWT_ISSUER: ISSUER,
      JWT_AUDIENCE: AUDIENCE,
      ...vars,
    });
    stack.as = async (sub, options = {}) => bearer(await mint(stack.key, { sub, ...options }));
    stack.backend = async () => bearer(await mint(stack.key, { sub: 'checkout-service', scope: `orders:read coupons:act-as-user` }));
  });
  afterAll(async () => {
    await stack.api?.close();
    await stack.env?.close();
    await stack.jwks?.stop();
  });
  return stack;
}
