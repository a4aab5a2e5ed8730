// One API process: connections, migrations, HTTP server, graceful shutdown.
import { createServer, type RequestListener, type Server, type ServerOptions, type ServerResponse } from 'node:http';
import { migrateToLatest } from '@coupon/db';
import { redisReady } from '@coupon/runtime';
import { createRequestListener } from './app';
import { DEFAULT_ADMIN_TOKEN, type ApiConfig } from './config';
import { closeApiContext, createApiContext } from './context';
import { answerClientError } from './http/client-error';
import { warnIfExposed } from './http/user-auth';

/** The HTTP server around the app; tests pass shorter timeouts. */
export function createApiServer(app: RequestListener, options: ServerOptions = {}): Server {
  const server = createServer(options, app);
  server.keepAliveTimeout = 65_000;
  // Node's own refusals (431, 400, 408) as problem+json, like every other error
  server.on('clientError', answerClientError);
  return server;
}

export async function serve(config: ApiConfig): Promise<void> {
  const ctx = createApiContext(config);
  await redisReady(ctx.redis);
  if (config.MIGRATE_ON_START) await migrateToLatest(ctx.db);
  const readiness = { accepting: true };
  const server = createApiServer(createRequestListener(ctx, readiness));
  await new Promise<void>((resolve) => server.listen(config.PORT, config.HOST, resolve));
  ctx.log.info({ port: config.PORT }, 'api listening'); // pino adds the pid
  if (config.ADMIN_TOKEN === DEFAULT_ADMIN_TOKEN) ctx.log.warn('ADMIN_TOKEN is the default: set your own before exposing the API');
  warnIfExposed(config, ctx.log);

  let stopping = false;
  // Once stopping, a keep-alive client must not go on sending on its open connection (it
  // did, at full rate, until the grace period cut it off mid-request): every response from
  // then on, those in flight included, says Connection: close, so each connection ends
  // with the request it carries and no request is cut off.
  const inFlight = new Set<ServerResponse>();
  server.prependListener('request', (_req, res) => {
    if (stopping) return res.setHeader('connection', 'close');
    inFlight.add(res);
    res.once('close', () => inFlight.delete(res));
  });
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    ctx.log.info({ signal }, 'api draining');
    readiness.accepting = false;
    // long polls answer now with the state as it is, rather than hold the drain up
    ctx.waiters.wakeEveryone();
    for (const res of inFlight) if (!res.headersSent) res.setHeader('connection', 'close');
    // stop accepting, let in-flight requests finish, then drop idle keep-alive sockets
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    // a connection whose response was already on its way at the signal falls idle later
    const sweep = setInterval(() => server.closeIdleConnections(), 50);
    const grace = setTimeout(() => server.closeAllConnections(), config.SHUTDOWN_GRACE_MS);
    await closed;
    clearInterval(sweep);
    clearTimeout(grace);
    await closeApiContext(ctx);
    ctx.log.info('api stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}
