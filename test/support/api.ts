import supertest from 'supertest';
import { redisReady } from '@coupon/runtime';
import { createRequestListener } from '../../apps/api/src/app';
import { loadApiConfig } from '../../apps/api/src/config';
import { closeApiContext, createApiContext, type ApiContext } from '../../apps/api/src/context';
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
