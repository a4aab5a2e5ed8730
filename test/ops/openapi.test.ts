import supertest from 'supertest';
import { createApp } from '@coupon/api/app';
import { problemType } from '../support/problems';
import { useTestStack } from '../support/stack';

const stack = useTestStack();

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

interface Layer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
  handle?: { stack?: Layer[]; router?: { stack: Layer[] } };
  rawPath?: unknown;
  slash?: boolean;
}

const toOpenApiPath = (path: string) => path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

/**
 * Every `METHOD /path` the express app serves, from its router stack (express 5: app.router,
 * nested routers' handle.stack). An application mounted at a path (Bull Board) is one entry,
 * GET at its mount path: its inner routes are its own business.
 */
function servedRoutes(app: ReturnType<typeof createApp>): string[] {
  const found = new Set<string>();
  const walk = (stack: Layer[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
        for (const path of paths) {
          for (const method of Object.keys(layer.route.methods).filter((m) => METHODS.includes(m))) {
            found.add(`${method.toUpperCase()} ${toOpenApiPath(prefix + path)}`);
          }
        }
        continue;
      }
      const inner = layer.handle?.stack ?? layer.handle?.router?.stack;
      if (!inner) continue; // plain middleware (body parser, static files, auth)
      if (layer.slash) walk(inner, prefix);
      else found.add(`GET ${toOpenApiPath(prefix + String(layer.rawPath))}`);
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack, '');
  return [...found].sort();
}

function documentedRoutes(document: { paths: Record<string, Record<string, unknown>> }): string[] {
  return Object.entries(document.paths)
    .flatMap(([path, item]) => Object.keys(item).filter((m) => METHODS.includes(m)).map((m) => `${m.toUpperCase()} ${path}`))
    .sort();
}

function difference(a: string[], b: string[]): string[] {
  return a.filter((x) => !b.includes(x));
}

async function fetchDocument() {
  const res = await stack.api.http.get('/openapi.json');
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  return res.body;
}

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

describe('the express app and the document', () => {
  it('serve and document the same routes, both ways', async () => {
    const served = servedRoutes(createApp(stack.api.ctx));
    const documented = documentedRoutes(await fetchDocument());
    expect(served).toEqual(expect.arrayContaining(['POST /v1/coupons', 'GET /v1/issuances/{issuanceId}', 'GET /admin/queues']));
    expect({ undocumented: difference(served, documented), unserved: difference(documented, served) })
      .toEqual({ undocumented: [], unserved: [] });
  });

  it('notices a route added without a spec entry', async () => {
    const app = createApp(stack.api.ctx);
    app.patch('/v1/issuances/:issuanceId', (_req, res) => res.end());
    const undocumented = difference(servedRoutes(app), documentedRoutes(await fetchDocument()));
    expect(undocumented).toEqual(['PATCH /v1/issuances/{issuanceId}']);
  });
});

describe('GET /docs', () => {
  it('is a Swagger UI page over /openapi.json whose assets load from this process', async () => {
    for (const url of ['/docs', '/docs/']) {
      const page = await stack.api.http.get(url);
      expect(page.status).toBe(200);
      expect(page.headers['content-type']).toMatch(/^text\/html/);
      expect(page.text).toContain("url: '/openapi.json'");
      expect(page.text).not.toMatch(/https?:\/\//); // no CDN: there may be no internet
      const assets = [...page.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
      expect(assets).toEqual(expect.arrayContaining(['/docs/swagger-ui-bundle.js', '/docs/swagger-ui.css']));
      for (const asset of assets) {
        const res = await stack.api.http.get(asset);
        expect({ asset, status: res.status }).toEqual({ asset, status: 200 });
        expect(Number(res.headers['content-length'])).toBeGreaterThan(100);
      }
    }
  });

  it("does not serve the package's demo page, which points at the public petstore", async () => {
    for (const url of ['/docs/index.html', '/docs/swagger-initializer.js', '/docs/../package.json']) {
      const res = await stack.api.http.get(url);
      expect({ url, status: res.status }).toEqual({ url, status: 404 });
    }
  });

  it('is the same document from a fresh app', async () => {
    const other = await supertest(createApp(stack.api.ctx)).get('/openapi.json');
    expect(other.body).toEqual(await fetchDocument());
  });
});
