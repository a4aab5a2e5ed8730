import { Router } from 'express';
import { sql } from 'kysely';
import { answersWithin } from '@coupon/runtime';
import type { ApiContext } from '../context';
import { sendProblem } from '../http/problem';
import { renderMetrics } from './metrics';

export interface Readiness {
  /** Turned off at shutdown so load balancers stop sending before the server closes. */
  accepting: boolean;
}

export function healthRoutes(ctx: ApiContext, readiness: Readiness): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  // the same answer for /readyz and the coupon_ready gauge, which alerting watches
  const check = async () => {
    const [postgres, redis] = await Promise.all([answersWithin(sql`SELECT 1`.execute(ctx.db)), answersWithin(ctx.redis.ping())]);
    return { ready: readiness.accepting && postgres && redis, postgres, redis };
  };
  ctx.metrics.readiness.check = async () => (await check()).ready;
  router.get('/readyz', async (_req, res) => {
    const { ready, postgres, redis } = await check();
    if (ready) {
      res.json({ status: 'ready', postgres: 'up', redis: 'up' });
      return;
    }
    res.setHeader('Retry-After', '1');
    sendProblem(res, 'service_unavailable', readiness.accepting ? 'a backing service does not answer' : 'shutting down', {
      postgres: postgres ? 'up' : 'down',
      redis: redis ? 'up' : 'down',
    });
  });
  router.get('/metrics', async (_req, res) => {
    res.type('text/plain; version=0.0.4').send(await renderMetrics(ctx.metrics, ctx.issuanceQueue));
  });
  return router;
}
