import { buildOpenApiDocument } from '../openapi/document';

// Metric labels for requests refused before express matched a route (the per-address limit
// runs ahead of the routers): the path's template from the OpenAPI document, which lists
// every route, so ids never become label values.
let templates: { pattern: RegExp; template: string }[] | null = null;

function load() {
  templates = Object.keys(buildOpenApiDocument().paths ?? {}).map((path) => ({
    // `{couponId}` matches one segment; /admin/queues also covers Bull Board's own paths below it
    pattern: new RegExp(`^${path.replace(/\{[^}]+\}/g, '[^/]+')}${path === '/admin/queues' ? '(/.*)?' : '/?'}$`),
    template: path.replace(/\{([^}]+)\}/g, ':$1'),
  }));
  return templates;
}

/** `/v1/coupons/7/issuances` → `/v1/coupons/:couponId/issuances`; anything else → `unmatched`. */
export function routeTemplateOf(path: string): string {
  return (templates ?? load()).find((t) => t.pattern.test(path))?.template ?? 'unmatched';
}
