import supertest from 'supertest';
import { createApp } from '@coupon/api/app';
import { fetchOpenApi } from '../support/api';
import { useTestStack } from '../support/stack';

// The document against what the app really serves: every route documented, every documented
// route served, and the page that browses it.
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

const fetchDocument = () => fetchOpenApi(stack.api);

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
