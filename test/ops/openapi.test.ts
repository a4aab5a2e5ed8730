import { problemType } from '../support/problems';
import { fetchOpenApi } from '../support/api';
import { useTestStack } from '../support/stack';

const stack = useTestStack();

const fetchDocument = () => fetchOpenApi(stack.api);

describe('GET /openapi.json', () => {
  it('is an OpenAPI 3.1 document whose every operation has responses', async () => {
    const document = await fetchDocument();
    expect(document.openapi).toMatch(/^3\.1\.\d+$/);
    expect(document.info).toMatchObject({ title: expect.any(String), version: expect.any(String) });
    expect(Object.keys(document.components.schemas)).toEqual(
      expect.arrayContaining(['Problem', 'ValidationProblem', 'AlreadyIssuedProblem', 'Coupon', 'Issuance', 'UserCoupon']),
    );
    for (const [path, item] of Object.entries<Record<string, any>>(document.paths)) {
      for (const [method, operation] of Object.entries<any>(item)) {
        const where = `${method.toUpperCase()} ${path}`;
        const statuses = Object.keys(operation.responses ?? {});
        expect({ where, statuses: statuses.length > 0 }).toEqual({ where, statuses: true });
        for (const status of statuses) expect({ where, status }).toEqual({ where, status: expect.stringMatching(/^[1-5]\d\d$/) });
        // every path parameter of the template is declared, and nothing else is declared in the path
        const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).sort();
        const declared = (operation.parameters ?? []).filter((p: any) => p.in === 'path').map((p: any) => p.name).sort();
        expect({ where, declared }).toEqual({ where, declared: templated });
      }
    }
  });

  it('documents every error as a problem whose examples carry its code, type and status', async () => {
    const document = await fetchDocument();
    for (const [path, item] of Object.entries<Record<string, any>>(document.paths)) {
      for (const [method, operation] of Object.entries<any>(item)) {
        for (const [status, response] of Object.entries<any>(operation.responses)) {
          if (Number(status) < 400) continue;
          const where = `${method.toUpperCase()} ${path} ${status}`;
          const media = response.content?.['application/problem+json'];
          expect({ where, problem: Boolean(media?.schema) }).toEqual({ where, problem: true });
          const examples = Object.entries<any>(media.examples ?? {});
          expect({ where, examples: examples.length > 0 }).toEqual({ where, examples: true });
          for (const [code, example] of examples) {
            expect({ where, ...example.value }).toMatchObject({
              where, code, status: Number(status), type: problemType(code),
            });
          }
        }
      }
    }
  });

  // API.md's tables: the statuses and codes each route may answer with.
  const contract: Array<[string, Record<number, string[]>]> = [
    ['POST /v1/coupons', {
      201: [], 400: ['validation_failed'], 401: ['unauthorized'], 409: ['idempotency_key_in_use'], 422: ['idempotency_key_reused'],
    }],
    ['GET /v1/coupons', { 200: [] }],
    ['GET /v1/coupons/{couponId}', { 200: [], 404: ['coupon_not_found'] }],
    ['PATCH /v1/coupons/{couponId}', {
      200: [], 400: ['validation_failed'], 401: ['unauthorized'], 404: ['coupon_not_found'], 409: ['idempotency_key_in_use'],
      412: ['precondition_failed'], 422: ['coupon_type_immutable', 'invalid_count', 'idempotency_key_reused'],
    }],
    ['DELETE /v1/coupons/{couponId}', {
      200: [], 401: ['unauthorized'], 404: ['coupon_not_found'], 409: ['idempotency_key_in_use'], 412: ['precondition_failed'],
      422: ['idempotency_key_reused'],
    }],
    ['GET /v1/coupons/{couponId}/history', { 200: [], 401: ['unauthorized'], 404: ['coupon_not_found'] }],
    ['POST /v1/coupons/{couponId}/issuances', {
      202: [], 400: ['validation_failed'], 404: ['coupon_not_found'], 409: ['already_issued', 'sold_out'],
      422: ['issuance_not_started', 'issuance_ended'],
    }],
    ['GET /v1/issuances/{issuanceId}', { 200: [], 404: ['issuance_not_found'] }],
    ['GET /v1/coupons/{couponId}/issuances/{userId}', { 200: [], 404: ['issuance_not_found'] }],
    ['GET /v1/users/{userId}/coupons', { 200: [], 400: ['validation_failed'] }],
    ['POST /v1/users/{userId}/coupons/{userCouponId}/use', {
      200: [], 404: ['user_coupon_not_found'], 409: ['coupon_mismatch', 'already_used', 'idempotency_key_in_use'],
      410: ['user_coupon_expired'], 422: ['idempotency_key_reused'],
    }],
    ['POST /v1/users/{userId}/coupons/{userCouponId}/cancel-use', {
      200: [], 404: ['user_coupon_not_found'], 409: ['coupon_mismatch', 'not_used', 'idempotency_key_in_use'],
      410: ['user_coupon_expired'], 422: ['idempotency_key_reused'],
    }],
    ['DELETE /v1/users/{userId}/coupons/{userCouponId}', {
      200: [], 404: ['user_coupon_not_found'], 409: ['coupon_mismatch', 'idempotency_key_in_use'], 422: ['idempotency_key_reused'],
    }],
    ['GET /healthz', { 200: [] }],
    ['GET /readyz', { 200: [], 503: ['service_unavailable'] }],
    ['GET /metrics', { 200: [] }],
    ['GET /openapi.json', { 200: [] }],
    ['GET /docs', { 200: [] }],
    ['GET /admin/queues', { 200: [], 401: ['unauthorized'] }],
  ];

  it.each(contract)('%s lists the statuses and problem codes of API.md', async (route, statuses) => {
    const document = await fetchDocument();
    const [method, path] = route.split(' ') as [string, string];
    const operation = document.paths[path]?.[method.toLowerCase()];
    expect(operation).toBeDefined();
    for (const [status, codes] of Object.entries(statuses)) {
      const response = operation.responses[status];
      expect({ status, documented: Boolean(response) }).toEqual({ status, documented: true });
      const examples = Object.keys(response.content?.['application/problem+json']?.examples ?? {});
      expect(examples).toEqual(expect.arrayContaining(codes));
    }
  });

  it('states the real range of count: create 0 (unlimited) or more, update adds 0 or more', async () => {
    const { CreateCouponBody, UpdateCouponBody } = (await fetchDocument()).components.schemas;
    expect(CreateCouponBody.properties.count).toMatchObject({
      type: 'integer', minimum: 0, maximum: 2147483647, description: expect.stringMatching(/limited.*≥ 1.*unlimited.*0/),
    });
    expect(UpdateCouponBody.properties.count).toMatchObject({
      type: 'integer', minimum: 0, maximum: 2147483647, description: expect.stringMatching(/add.*invalid_count/),
    });
  });

  it('lists 415 on the routes that read a body and 431 on every /v1 route', async () => {
    const document = await fetchDocument();
    for (const [path, item] of Object.entries<Record<string, any>>(document.paths)) {
      for (const [method, operation] of Object.entries<any>(item)) {
        const where = `${method.toUpperCase()} ${path}`;
        const codes = (status: string) => Object.keys(operation.responses[status]?.content?.['application/problem+json']?.examples ?? {});
        if (operation.requestBody) expect({ where, codes: codes('415') }).toEqual({ where, codes: ['unsupported_media_type'] });
        if (path.startsWith('/v1/')) expect({ where, codes: codes('431') }).toEqual({ where, codes: ['headers_too_large'] });
      }
    }
  });

  // API.md "Retries: Idempotency-Key" and the coupon ETag / If-Match paragraph
  const idempotent = [
    'POST /v1/coupons', 'PATCH /v1/coupons/{couponId}', 'DELETE /v1/coupons/{couponId}',
    'POST /v1/users/{userId}/coupons/{userCouponId}/use', 'POST /v1/users/{userId}/coupons/{userCouponId}/cancel-use',
    'DELETE /v1/users/{userId}/coupons/{userCouponId}',
  ];

  it('documents Idempotency-Key, If-Match, ETag, Idempotent-Replayed and Retry-After where API.md has them', async () => {
    const document = await fetchDocument();
    const operation = (route: string) => {
      const [method, path] = route.split(' ') as [string, string];
      return document.paths[path][method.toLowerCase()];
    };
    const headerParams = (route: string) => (operation(route).parameters ?? []).filter((p: any) => p.in === 'header').map((p: any) => p.name).sort();
    const success = (route: string) => Object.entries<any>(operation(route).responses).find(([status]) => status.startsWith('2'))![1];
    for (const route of idempotent) {
      expect({ route, headers: headerParams(route) }).toEqual({ route, headers: expect.arrayContaining(['Idempotency-Key']) });
      expect({ route, replayed: Object.keys(success(route).headers ?? {}) })
        .toEqual({ route, replayed: expect.arrayContaining(['Idempotent-Replayed']) });
      expect(Object.keys(operation(route).responses['409'].headers)).toContain('Retry-After');
    }
    for (const route of ['PATCH /v1/coupons/{couponId}', 'DELETE /v1/coupons/{couponId}']) {
      expect(headerParams(route)).toEqual(['Idempotency-Key', 'If-Match']);
    }
    for (const route of ['POST /v1/coupons', 'GET /v1/coupons/{couponId}', 'PATCH /v1/coupons/{couponId}', 'DELETE /v1/coupons/{couponId}']) {
      expect({ route, etag: Boolean(success(route).headers?.ETag) }).toEqual({ route, etag: true });
    }
    for (const route of ['GET /v1/coupons', 'POST /v1/coupons/{couponId}/issuances']) expect(headerParams(route)).toEqual([]);
  });

  it('documents the admin security, queuePosition and the failure reasons', async () => {
    const document = await fetchDocument();
    expect(document.components.securitySchemes).toMatchObject({
      adminBearer: { type: 'http', scheme: 'bearer' },
      adminBasic: { type: 'http', scheme: 'basic' },
    });
    expect(document.paths['/v1/coupons'].post.security).toEqual([{ adminBearer: [] }]);
    expect(document.paths['/v1/coupons'].get.security).toBeUndefined();
    expect(document.paths['/admin/queues'].get.security).toEqual([{ adminBasic: [] }, { adminBearer: [] }]);
    const issuance = document.components.schemas.Issuance;
    expect(issuance.properties.queuePosition).toMatchObject({ type: ['integer', 'null'], description: expect.stringContaining('ahead') });
    expect(issuance.properties.failureReason.enum).toEqual(['sold_out', 'already_holds_coupon', null]);
    expect(document.paths['/metrics'].get.responses['200'].content).toHaveProperty(['text/plain']);
  });

  // API.md "AUTH_MODE": every user route may take a user JWT (optional: trusted mode needs none)
  const userRoutes = [
    'POST /v1/coupons/{couponId}/issuances', 'GET /v1/issuances/{issuanceId}', 'GET /v1/coupons/{couponId}/issuances/{userId}',
    'GET /v1/users/{userId}/coupons', 'POST /v1/users/{userId}/coupons/{userCouponId}/use',
    'POST /v1/users/{userId}/coupons/{userCouponId}/cancel-use', 'DELETE /v1/users/{userId}/coupons/{userCouponId}',
  ];

  it.each(userRoutes)('%s declares the optional user JWT, its 401 and 403, and the 429 of the limits', async (route) => {
    const document = await fetchDocument();
    expect(document.components.securitySchemes.userJwt).toMatchObject({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
    const [method, path] = route.split(' ') as [string, string];
    const operation = document.paths[path][method.toLowerCase()];
    expect(operation.security).toEqual([{}, { userJwt: [] }]);
    for (const [status, code] of [['401', 'unauthorized'], ['403', 'forbidden'], ['429', 'rate_limited']] as const) {
      expect({ status, codes: Object.keys(operation.responses[status]?.content['application/problem+json'].examples ?? {}) })
        .toEqual({ status, codes: expect.arrayContaining([code]) });
    }
    expect(operation.responses['429'].headers).toHaveProperty('Retry-After');
  });

  it('keeps the admin bearer on admin routes and no security on the rest', async () => {
    const document = await fetchDocument();
    for (const [path, item] of Object.entries<Record<string, any>>(document.paths)) {
      for (const [method, operation] of Object.entries<any>(item)) {
        const route = `${method.toUpperCase()} ${path}`;
        if (userRoutes.includes(route)) continue;
        const security = JSON.stringify(operation.security ?? null);
        expect({ route, ok: security === 'null' || security.includes('admin') }).toEqual({ route, ok: true });
      }
    }
  });
});
