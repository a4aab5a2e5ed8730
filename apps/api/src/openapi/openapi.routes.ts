import express, { Router } from 'express';
// not the package's index, which evaluates the whole browser bundle in Node
import getAbsoluteFSPath from 'swagger-ui-dist/absolute-path';
import { buildOpenApiDocument } from './document';

// Only the files the page below loads: the package also ships a demo index.html that points
// at the public petstore, which must not be reachable here.
const ASSETS = new Set([
  '/swagger-ui.css', '/index.css', '/swagger-ui-bundle.js', '/swagger-ui-standalone-preset.js',
  '/favicon-32x32.png', '/favicon-16x16.png',
]);

// Absolute asset paths, so /docs and /docs/ both work. Everything is served by this process:
// the service may run where there is no internet.
const PAGE = `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <title>Coupon service API</title>
  <link rel="stylesheet" href="/docs/swagger-ui.css">
  <link rel="stylesheet" href="/docs/index.css">
  <link rel="icon" type="image/png" href="/docs/favicon-32x32.png" sizes="32x32">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/swagger-ui-bundle.js"></script>
  <script>
    window.ui = SwaggerUIBundle({
      url: '/openapi.json',
      dom_id: '#swagger-ui',
      deepLinking: true,
      persistAuthorization: true,
      validatorUrl: null,
      presets: [SwaggerUIBundle.presets.apis],
      layout: 'BaseLayout',
    });
  </script>
</body>
</html>
`;

/** GET /openapi.json, and GET /docs: Swagger UI from the swagger-ui-dist package. */
export function openApiRoutes(): Router {
  const document = buildOpenApiDocument();
  const assets = express.static(getAbsoluteFSPath(), { index: false, maxAge: '1d' });
  const router = Router();

  router.get('/openapi.json', (_req, res) => {
    res.json(document);
  });
  router.get('/docs', (_req, res) => {
    res.type('html').send(PAGE);
  });
  router.use('/docs', (req, res, next) => (ASSETS.has(req.path) ? assets(req, res, next) : next()));
  return router;
}
