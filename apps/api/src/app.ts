import express, { type Express } from 'express';
import { pinoHttp } from 'pino-http';
import { randomUUID } from 'node:crypto';
import type { ApiContext } from './context';
import { couponRoutes } from './coupons/coupon.routes';
import { issuanceRoutes } from './issuance/issuance.routes';
import { userCouponRoutes } from './user-coupons/user-coupon.routes';
import { errorHandler, notFoundHandler } from './http/problem';
import { healthRoutes, type Readiness } from './ops/health.routes';
import { httpMetrics } from './ops/metrics';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function createApp(ctx: ApiContext, readiness: Readiness = { accepting: true }): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');

  app.use(
    pinoHttp({
      logger: ctx.log,
      // honour the caller's id so one request can be followed across api and worker logs
      genReqId: (req, res) => {
        const given = req.headers['x-request-id'];
        const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
        res.setHeader('X-Request-Id', id);
        return id;
      },
      autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/readyz' },
    }),
  );
  app.use(httpMetrics(ctx.metrics));
  app.use(express.json({ limit: '64kb', strict: false, type: ['application/json', 'application/*+json'] }));

  app.use(healthRoutes(ctx, readiness));
  app.use(couponRoutes(ctx));
  app.use(issuanceRoutes(ctx));
  app.use(userCouponRoutes(ctx));

  app.use(notFoundHandler);
  app.use(errorHandler);
  return app;
}
