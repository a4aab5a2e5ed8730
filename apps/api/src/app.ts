import express, { type Express, type RequestHandler } from 'express';
import type { RequestListener } from 'node:http';
import { pinoHttp } from 'pino-http';
import type { Logger } from '@coupon/runtime';
import { trustProxySetting } from './config';
import type { ApiContext } from './context';
import { couponRoutes } from './coupons/coupon.routes';
import { issuanceRoutes } from './issuance/issuance.routes';
import { userCouponRoutes } from './user-coupons/user-coupon.routes';
import { jsonBody } from './http/body';
import { requestId, tagHotRequest } from './http/request-id';
import { hotFastPath } from './http/fast-path';
import { errorHandler, notFoundHandler } from './http/problem';
import { healthRoutes, type Readiness } from './ops/health.routes';
import { httpMetrics } from './ops/metrics';
import { bullBoardRoutes } from './ops/bull-board';
import { openApiRoutes } from './openapi/openapi.routes';

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
    tagHotRequest(log, req, res);
    next();
  };
}

/**
 * What the HTTP server runs: the plain issue request and coupon list on node's own request
 * API (the fast path: express's router, body parser and access log cost more than the work
 * itself), every other request through express.
 */
export function createRequestListener(ctx: ApiContext, readiness: Readiness = { accepting: true }): RequestListener {
  const app = createApp(ctx, readiness);
  const fast = hotFastPath(ctx);
  return (req, res) => {
    if (!fast(req, res)) app(req, res);
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
