import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '@coupon/runtime';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

// honour the caller's id so one request can be followed across api and worker logs
export function requestId(req: IncomingMessage, res: ServerResponse): string {
  const given = req.headers['x-request-id'];
  const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
  res.setHeader('X-Request-Id', id);
  return id;
}

/**
 * The hot route's request id and logger: the child logger (which serialises its bindings)
 * is made only when something logs, and a 5xx is logged on its own.
 */
export function tagHotRequest(log: Logger, req: IncomingMessage, res: ServerResponse): void {
  const tagged = req as IncomingMessage & { id: string; log: Logger };
  tagged.id = requestId(req, res);
  let child: Logger | undefined;
  Object.defineProperty(tagged, 'log', {
    configurable: true,
    get: () => (child ??= log.child({ reqId: tagged.id })),
    set: (value: Logger) => (child = value),
  });
  res.once('finish', () => {
    if (res.statusCode >= 500) tagged.log.error({ method: req.method, url: req.url, statusCode: res.statusCode }, 'request failed');
  });
}

