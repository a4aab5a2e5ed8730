import express, { type Express, type RequestHandler } from 'express';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pinoHttp } from 'pino-http';
import { randomUUID } from 'node:crypto';
import type { Logger } from '@coupon/runtime';
import { trustProxySetting } from './config';
import type { ApiContext } from './context';
import { couponRoutes } from './coupons/coupon.routes';
import { issuanceRoutes } from './issuance/issuance.routes';
import { userCouponRoutes } from './user-coupons/user-coupon.routes';
import { jsonBody } from './http/body';
import { errorHandler, notFoundHandler } from './http/problem';
import { healthRoutes, type Readiness } from './ops/health.routes';
import { httpMetrics } from './ops/metrics';
import { bullBoardRoutes } from './ops/bull-board';
import { openApiRoutes } from './openapi/openapi.routes';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

// honour the caller's id so one request can be followed across api and worker logs
function requestId(req: IncomingMessage, res: ServerResponse): string {
  const given = req.headers['x-request-id'];
  const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
  res.setHeader('X-Request-Id', id);
  return id;
}

const ISSUE_ROUTE = /^\/v1\/coupons\/[^/?]+\/issuances\/?(?:\?|$)/;

/**
 * pino-http for every route but the hot one. Its per-request child logger (serialising and
 * redacting the request) and access line cost more than the issuance itself (loadtest/RESULTS.md),
 * so issue requests get the request id and a logger bound to it only: their outcomes are
 * counted by the metrics, and a failure is still logged by the error handler.
 */
function requestLogging(log: Logger): RequestHandler {
  const logged = pinoHttp({
    logger: log,
    genReqId: requestId,
    autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/readyz' },
  });
  return (req, res, next) => {
    if (req.method !== 'POST' || !ISSUE_ROUTE.test(req.url)) return logged(req, res, next);
    req.id = requestId(req, res);
    req.log = log.child({ reqId: req.id });
    res.once('finish', () => {
      if (res.statusCode >= 500) req.log.error({ method: req.method, url: req.url, statusCode: res.statusCode }, 'request failed');
    });
    next();
  };
}

export function createApp(ctx: ApiContext, readiness: Readiness = { accepting: true }): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');
  // req.ip (the per-address limit's key) believes X-Forwarded-For only from these proxies
  app.set('trust proxy', trustProxySetting(ctx.config.TRUST_PROXY));

  app.use(requestLogging(ctx.log));
  app.use(httpMetrics(ctx.metrics));
  // before the body is read: a refused request costs no parsing
  if (ctx.limits.perAddress) app.use(ctx.limits.perAddress);
  app.use(jsonBody());

  // the hot route first: every router before it costs each issue request a walk of its routes
  app.use(issuanceRoutes(ctx));
  app.use(healthRoutes(ctx, readiness));
  app.use(couponRoutes(ctx));
  app.use(userCouponRoutes(ctx));
  app.use(openApiRoutes());
  app.use(bullBoardRoutes(ctx));

  app.use(notFoundHandler);
  app.use(errorHandler);
  return app;
}
