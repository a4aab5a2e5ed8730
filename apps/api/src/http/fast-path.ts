import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { ApiContext } from '../context';
import { sendCouponList } from '../coupons/coupon-list';
import { ISSUE_ROUTE, issue } from '../issuance/issue';
import { timeRequest } from '../ops/metrics';
import { BODY_LIMIT_BYTES } from './body';
import { errorHandler } from './problem';
import { tagHotRequest } from './request-id';

// Only the plain forms of the two hot requests take this path. The issue request: a decimal
// coupon id, no trailing slash or query, a JSON body of 1 byte to 64 KiB declared by
// Content-Length, UTF-8 and not compressed. The coupon list: exactly GET /v1/coupons.
// Anything else (and every answer those rules shape: 413, 415, a charset or encoding
// refusal) goes through express, so there is one implementation of each.
const ISSUE_PATH = /^\/v1\/coupons\/([0-9]{1,12})\/issuances$/;
const LIST_PATH = '/v1/coupons';
const LIST_ROUTE = '/v1/coupons';
const JSON_UTF8 = /^application\/json\s*(?:;\s*charset\s*=\s*"?utf-8"?\s*)?$/i;

/**
 * The issue request and the coupon list on node's own request API. Express's router, body
 * parser and access log cost more CPU than the issuance itself and than serving the cached
 * list (loadtest/RESULTS.md); here the same steps run in the same order (request id and
 * metrics, body, token, then the shared handler) and errors go to the same error handler.
 * Returns false for any request it does not take.
 */
export function hotFastPath(ctx: ApiContext): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => {
    // the per-address limit needs express's req.ip (trust proxy): that deployment keeps express
    if (ctx.limits.perAddress) return false;
    if (req.method === 'GET' && req.url === LIST_PATH) return take(ctx, req, res, LIST_ROUTE, () => sendCouponList(ctx.couponList, res));
    if (req.method !== 'POST') return false;
    const match = ISSUE_PATH.exec(req.url ?? '');
    if (!match || !plainJsonBody(req)) return false;
    return take(ctx, req, res, ISSUE_ROUTE, () => handleIssue(ctx, req, res, match[1]!));
  };
}

function take(ctx: ApiContext, req: IncomingMessage, res: ServerResponse, route: string, handle: () => Promise<void>): true {
  tagHotRequest(ctx.log, req, res);
  timeRequest(ctx.metrics, req, res, () => route);
  handle().catch((error: unknown) => errorHandler(error, req as Request, res as Response, () => {}));
  return true;
}


function plainJsonBody(req: IncomingMessage): boolean {
  const headers = req.headers;
  const length = Number(headers['content-length']);
  return JSON_UTF8.test(headers['content-type'] ?? '') && headers['content-encoding'] === undefined
    && headers['transfer-encoding'] === undefined && Number.isInteger(length) && length > 0 && length <= BODY_LIMIT_BYTES;
}

async function handleIssue(ctx: ApiContext, req: IncomingMessage, res: ServerResponse, couponId: string): Promise<void> {
  const body = await readJson(req);
  for (const middleware of ctx.auth.token) await run(middleware, req, res);
  await issue(ctx, req, res, couponId, body);
}

/** Reads and parses the body, as body-parser would: a leading BOM is dropped, malformed JSON is its error. */
function readJson(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('error', reject);
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      try {
        resolve(JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text));
      } catch {
        reject(Object.assign(new SyntaxError('malformed JSON'), { type: 'entity.parse.failed', status: 400 }));
      }
    });
  });
}

/** Runs an express-style middleware (the token check) outside express. */
function run(middleware: RequestHandler, req: IncomingMessage, res: ServerResponse): Promise<void> {
  return new Promise((resolve, reject) => {
    const next: NextFunction = (error?: unknown) => (error ? reject(error) : resolve());
    Promise.resolve(middleware(req as Request, res as Response, next)).catch(reject);
  });
}
