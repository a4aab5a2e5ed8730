import { createServer, type Server } from 'node:http';
import { sql } from 'kysely';
import { answersWithin, problemBody } from '@coupon/runtime';
import type { WorkerContext } from '../context';

export interface Liveness {
  /** When the worker last settled a job; readiness fails if jobs wait and this grows old. */
  lastProgressAt: number;
  accepting: boolean;
}

/** /healthz, /readyz and /metrics of the worker, on its own port. */
export function startOpsServer(ctx: WorkerContext, liveness: Liveness): Promise<Server> {
  const { metrics } = ctx;
  metrics.readiness.check = async () => isReady(await readiness(ctx, liveness));
  const server = createServer(async (req, res) => {
    const send = (status: number, type: string, body: string) => {
      res.writeHead(status, { 'content-type': type }).end(body);
    };
    try {
      if (req.url === '/healthz') return send(200, 'application/json', '{"status":"ok"}');
      if (req.url === '/metrics') return send(200, 'text/plain; version=0.0.4', await metrics.registry.metrics());
      if (req.url === '/readyz') {
        const checks = await readiness(ctx, liveness);
        const ok = isReady(checks);
        return ok
          ? send(200, 'application/json', JSON.stringify({ status: 'ready', ...checks }))
          : send(503, 'application/problem+json', JSON.stringify(problemBody('service_unavailable', 'the worker is not ready: see the checks', checks)));
      }
      send(404, 'application/problem+json', JSON.stringify(problemBody('not_found', `${req.url} is not a route of the worker`)));
    } catch (err) {
      ctx.log.error({ err }, 'ops server error');
      send(500, 'text/plain', 'internal error');
    }
  });
  return new Promise((resolve) => server.listen(ctx.config.WORKER_PORT, ctx.config.HOST, () => resolve(server)));
}

const isReady = (checks: Record<string, string>) => Object.values(checks).every((v) => v === 'up' || v === 'ok');

async function readiness(ctx: WorkerContext, liveness: Liveness) {
  const probe = async (p: Promise<unknown>) => ((await answersWithin(p)) ? 'up' : 'down');
  const [postgres, redis, waiting] = await Promise.all([
    probe(sql`SELECT 1`.execute(ctx.db)),
    probe(ctx.redis.ping()),
    ctx.issuanceQueue.getWaitingCount().catch(() => 0),
  ]);
  const stalled = waiting > 0 && Date.now() - liveness.lastProgressAt > ctx.config.WORKER_STALL_MS;
  return { postgres, redis, progress: stalled ? 'stalled' : 'ok', accepting: liveness.accepting ? 'ok' : 'stopping' };
}
