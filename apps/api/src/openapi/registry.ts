import { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';

export const ADMIN_BEARER = 'adminBearer';
export const ADMIN_BASIC = 'adminBasic';

/** Operation security for the admin routes of /v1. */
export const adminOnly = [{ [ADMIN_BEARER]: [] }];

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
  registry.registerComponent('securitySchemes', ADMIN_BASIC, {
    type: 'http',
    scheme: 'basic',
    description: 'HTTP Basic with user `admin` and the admin token as password (browsers, Bull Board)',
  });
  return registry;
}
