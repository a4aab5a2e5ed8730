import { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';

export const ADMIN_BEARER = 'adminBearer';
export const ADMIN_BASIC = 'adminBasic';

export const USER_JWT = 'userJwt';

/** Operation security for the admin routes of /v1. */
export const adminOnly = [{ [ADMIN_BEARER]: [] }];

/**
 * Operation security for the user routes: none in `AUTH_MODE=trusted` (the default), a user
 * JWT in `AUTH_MODE=jwt` — alternatives, since the document does not know the deployment's mode.
 */
export const userAuth: Record<string, string[]>[] = [{}, { [USER_JWT]: [] }];

export const TAGS = {
  coupons: 'Coupons',
  issuance: 'Issuance',
  userCoupons: 'User coupons',
  operations: 'Operations',
} as const;

/** A registry with the admin security schemes; each feature adds its paths to it. */
export function createRegistry(): OpenAPIRegistry {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', ADMIN_BEARER, {
    type: 'http',
    scheme: 'bearer',
    description: '`Authorization: Bearer <ADMIN_TOKEN>`',
  });
  registry.registerComponent('securitySchemes', USER_JWT, {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description:
      'Only with `AUTH_MODE=jwt`: a JWT verified against `JWT_JWKS_URL`, `JWT_PUBLIC_KEY` or `JWT_SECRET` (`alg` pinned by '
      + 'the key), with `exp` (required), `nbf`, and `iss`/`aud` when configured. Its `sub` must be the route\'s `userId` '
      + '(403 `forbidden` otherwise) unless its `scope` (space-separated) or `scp` holds `coupons:act-as-user`. Missing or '
      + 'invalid: 401 with `WWW-Authenticate: Bearer`.',
  });
  registry.registerComponent('securitySchemes', ADMIN_BASIC, {
    type: 'http',
    scheme: 'basic',
    description: 'HTTP Basic with user `admin` and the admin token as password (browsers, Bull Board)',
  });
  return registry;
}
