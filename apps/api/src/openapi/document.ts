import { OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { registerCouponPaths } from '../coupons/coupon.openapi';
import { registerIssuancePaths } from '../issuance/issuance.openapi';
import { registerOperationPaths } from '../ops/ops.openapi';
import { TAGS, createRegistry } from './registry';
import { registerUserCouponPaths } from '../user-coupons/user-coupon.openapi';

export type OpenApiDocument = ReturnType<OpenApiGeneratorV31['generateDocument']>;

/** The OpenAPI 3.1 document of every route of app.ts, built from the schemas the routes parse with. */
export function buildOpenApiDocument(): OpenApiDocument {
  const registry = createRegistry();
  registerCouponPaths(registry);
  registerIssuancePaths(registry);
  registerUserCouponPaths(registry);
  registerOperationPaths(registry);
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Coupon service',
      version: '1.0.0',
      description:
        'Coupon administration, asynchronous issuance and user coupons over HTTP/JSON. Errors are RFC 9457 '
        + '`application/problem+json` bodies with a stable `code`. Admin routes need `Authorization: Bearer <ADMIN_TOKEN>`. '
        + 'User routes act for the `userId` they name: with `AUTH_MODE=trusted` (the default) as given, with `AUTH_MODE=jwt` '
        + 'only with a user JWT for that user (or a backend token with the `coupons:act-as-user` scope). Each client address '
        + 'may be limited to `RATE_LIMIT_IP` requests per second (429 `rate_limited`). '
        + 'Timestamps in responses are ISO 8601 UTC with milliseconds; request timestamps without an offset are read in '
        + '`APP_TIMEZONE`, and must lie in the years 1970–9999 once converted to UTC. Text fields refuse NUL and unpaired '
        + 'surrogates (400), so that every value returned can be sent back. Bodies are JSON (anything else is 415 '
        + '`unsupported_media_type`) of at most 64 KiB (413, answered from `Content-Length` before the body arrives); '
        + 'request headers over 16 KiB are 431 `headers_too_large`, headers that do not arrive in time 408 `request_timeout`.',
    },
    tags: [
      { name: TAGS.coupons, description: 'Admin: create, update, delete, history; anyone: read' },
      { name: TAGS.issuance, description: 'Public: the asynchronous give and its outcome' },
      { name: TAGS.userCoupons, description: 'Public: the user is named in the path' },
      { name: TAGS.operations, description: 'Health, metrics, this document, the queue dashboard' },
    ],
  });
}
