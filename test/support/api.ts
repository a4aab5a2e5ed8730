import supertest from 'supertest';
import { redisReady } from '@coupon/runtime';
import { createRequestListener } from '@coupon/api/app';
import { loadApiConfig } from '@coupon/api/config';
import { closeApiContext, createApiContext, type ApiContext } from '@coupon/api/context';
import { ADMIN_TOKEN, type TestEnv } from './env';

export interface TestApi {
  ctx: ApiContext;
  http: ReturnType<typeof supertest>;
  admin: { Authorization: string };
  close(): Promise<void>;
}

/** The real request listener (the issue route's fast path, then express) and connections, in this process, on the file's own slice. */
export async function startTestApi(env: TestEnv, vars: Record<string, string> = {}): Promise<TestApi> {
  const ctx = createApiContext(loadApiConfig({ ...env.vars, ...vars }));
  await redisReady(ctx.redis);
  return {
    ctx,
    http: supertest(createRequestListener(ctx)),
    admin: { Authorization: `Bearer ${ADMIN_TOKEN}` },
    close: () => closeApiContext(ctx),
  };
}

/** GET /openapi.json: the document, after checking it is served as JSON. */
export async function fetchOpenApi(api: TestApi) {
  const res = await api.http.get('/openapi.json');
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  return res.body;
}
