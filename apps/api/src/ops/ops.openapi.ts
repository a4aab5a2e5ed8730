import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { z } from '../http/zod';
import { problem, problemResponses } from '../openapi/problems';
import { ADMIN_BASIC, ADMIN_BEARER, TAGS } from '../openapi/registry';

// ops/health.routes.ts writes these bodies by hand; they are small enough to restate here.
const upDown = z.enum(['up', 'down']);
const readiness = { postgres: upDown, redis: upDown };

const html = (description: string) => ({ description, content: { 'text/html': { schema: { type: 'string' as const } } } });

export function registerOperationPaths(registry: OpenAPIRegistry): void {
  const routes = [
    getHealthz, getReadyz, getMetrics, getOpenapiJson, getDocs, getAdminQueues,
  ];
  for (const register of routes) register(registry);
}

function getHealthz(registry: OpenAPIRegistry): void {
  registry.registerPath({
    method: 'get',
    path: '/healthz',
    tags: [TAGS.operations],
    summary: 'Liveness',
    description: '200 while the process runs; touches neither PostgreSQL nor Redis.',
    responses: {
      200: {
        description: 'Alive',
        content: { 'application/json': { schema: z.object({ status: z.literal('ok') }), example: { status: 'ok' } } },
      },
    },
  });
}

function getReadyz(registry: OpenAPIRegistry): void {
  registry.registerPath({
    method: 'get',
    path: '/readyz',
    tags: [TAGS.operations],
    summary: 'Readiness',
    description: '200 when PostgreSQL and Redis both answer within a second; 503 otherwise, and while shutting down.',
    responses: {
      200: {
        description: 'Ready',
        content: {
          'application/json': {
            schema: z.object({ status: z.literal('ready'), ...readiness }),
            example: { status: 'ready', postgres: 'up', redis: 'up' },
          },
        },
      },
      ...problemResponses(['service_unavailable'], {
        service_unavailable: {
          schema: problem.extend({ code: z.literal('service_unavailable'), ...readiness }),
          detail: 'a backing service does not answer',
          extra: { postgres: 'up', redis: 'down' },
        },
      }),
    },
  });
}

function getMetrics(registry: OpenAPIRegistry): void {
  registry.registerPath({
    method: 'get',
    path: '/metrics',
    tags: [TAGS.operations],
    summary: 'Prometheus metrics',
    description: 'Prometheus text exposition: HTTP latency histogram, issuance outcomes, queue depth, persist lag.',
    responses: {
      200: {
        description: 'Prometheus text format 0.0.4',
        content: {
          'text/plain': {
            schema: { type: 'string' },
            example: '# HELP coupon_issuance_requests_total Issue requests by outcome\n'
              + '# TYPE coupon_issuance_requests_total counter\ncoupon_issuance_requests_total{outcome="accepted"} 50\n',
          },
        },
      },
    },
  });
}

function getOpenapiJson(registry: OpenAPIRegistry): void {
  registry.registerPath({
    method: 'get',
    path: '/openapi.json',
    tags: [TAGS.operations],
    summary: 'This document',
    description: 'The OpenAPI 3.1 document, generated from the zod schemas the routes validate with.',
    responses: {
      200: {
        description: 'OpenAPI 3.1 document',
        content: { 'application/json': { schema: { type: 'object', additionalProperties: true } } },
      },
    },
  });
}

function getDocs(registry: OpenAPIRegistry): void {
  registry.registerPath({
    method: 'get',
    path: '/docs',
    tags: [TAGS.operations],
    summary: 'Browse this document',
    description: 'Swagger UI over `/openapi.json`, served from this process (no CDN); its assets live under `/docs/`.',
    responses: { 200: html('Swagger UI page') },
  });
}

function getAdminQueues(registry: OpenAPIRegistry): void {
  registry.registerPath({
    method: 'get',
    path: '/admin/queues',
    tags: [TAGS.operations],
    summary: 'Bull Board',
    description:
      'The queue dashboard (issuance and reconcile queues) and, under `/admin/queues/`, its assets and JSON API. '
      + 'Browsers answer the Basic challenge with user `admin` and the admin token as password; a Bearer token works too.',
    security: [{ [ADMIN_BASIC]: [] }, { [ADMIN_BEARER]: [] }],
    responses: {
      200: html('The dashboard'),
      ...problemResponses(['unauthorized', 'rate_limited']),
    },
  });
}
