// The ceiling: a bare express route answering what the issue route answers (202, Location,
// the same JSON body) with no Redis, no queue, no logging, in as many node:cluster
// processes as the API. Whatever the real route does costs the gap between the two.
import cluster from 'node:cluster';
import express from 'express';

const port = Number(process.env.PORT ?? 3100);
const processes = Number(process.env.CEILING_PROCESSES ?? 2);

if (cluster.isPrimary && processes > 1) {
  for (let i = 0; i < processes; i++) cluster.fork();
  process.on('SIGTERM', () => {
    for (const worker of Object.values(cluster.workers ?? {})) worker?.kill('SIGTERM');
    process.exit(0);
  });
} else {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  // the body is parsed, as the real route must
  app.use(express.json({ limit: '64kb' }));
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  let n = 0;
  app.post('/v1/coupons/:couponId/issuances', (req, res) => {
    const issuanceId = `${req.params.couponId}_mi0ceiling${(n++).toString(16).padStart(16, '0')}`;
    const now = new Date().toISOString();
    res.status(202).location(`/v1/issuances/${issuanceId}`).json({
      issuanceId, couponId: Number(req.params.couponId), userId: req.body?.userId, status: 'pending', sequence: n,
      userCouponId: null, requestedAt: now, issuedAt: null, failureReason: null, queuePosition: 0,
    });
  });
  app.listen(port, '127.0.0.1');
  process.on('SIGTERM', () => process.exit(0));
}
