import type { ServerResponse } from 'node:http';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { DomainError, type ErrorCode } from '@coupon/domain';
import { problemBody, problemCodes } from '@coupon/runtime';

/** Written with node's own response API, so the issue route's fast path answers the same way. */
export function sendProblem(res: ServerResponse, code: ErrorCode, detail: string, extra: Record<string, unknown> = {}) {
  const body = JSON.stringify(problemBody(code, detail, extra));
  res.statusCode = problemCodes[code].status;
  res.setHeader('Content-Type', 'application/problem+json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(body);
}

export const notFoundHandler: RequestHandler = (req, res) => {
  sendProblem(res, 'not_found', `${req.method} ${req.path} is not a route of this API`);
};

// Connection-level failures of Redis (ioredis) or PostgreSQL (pg): the request was fine,
// a backing service was not. The client should retry; 503 says so.
const UNAVAILABLE_MESSAGE = /Connection is closed|Stream isn't writeable|ECONNREFUSED|ECONNRESET|ETIMEDOUT|MaxRetriesPerRequest|Reached the max retries|timeout exceeded when trying to connect|Connection terminated|the database system is (starting up|shutting down)|terminating connection/;
const UNAVAILABLE_SQLSTATE = new Set(['57P01', '57P02', '57P03', '08000', '08001', '08003', '08006']);

export function isBackendUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (UNAVAILABLE_SQLSTATE.has(code) || code === 'ECONNREFUSED' || code === 'ECONNRESET')) return true;
  return UNAVAILABLE_MESSAGE.test(error.message) || error.name === 'MaxRetriesPerRequestError';
}

interface BodyParserError {
  type?: string;
  status?: number;
}

export const errorHandler: ErrorRequestHandler = (error: unknown, req, res, _next) => {
  if (res.headersSent) return;
  if (error instanceof DomainError) {
    if (error.code === 'service_unavailable' || error.code === 'idempotency_key_in_use') res.setHeader('Retry-After', '1');
    return sendProblem(res, error.code, error.detail, error.extra);
  }
  if (isBackendUnavailable(error)) {
    res.setHeader('Retry-After', '1');
    return sendProblem(res, 'service_unavailable', 'PostgreSQL or Redis is unavailable; retry shortly');
  }
  if (error instanceof URIError) {
    // the router could not decode a path parameter: the path is at fault, not the body
    return sendProblem(res, 'validation_failed', 'the path is not valid', {
      errors: [{ path: 'path', message: 'malformed percent-encoding' }],
    });
  }
  const parserError = error as BodyParserError;
  if (parserError.type === 'entity.too.large') {
    return sendProblem(res, 'payload_too_large', 'request bodies are limited to 64 KiB');
  }
  if (parserError.type === 'entity.parse.failed') {
    return sendProblem(res, 'validation_failed', 'the body is not valid JSON', {
      errors: [{ path: '', message: 'malformed JSON' }],
    });
  }
  if (parserError.status && parserError.status >= 400 && parserError.status < 500) {
    // body-parser's other refusals: bad charset, bad encoding, ...
    return sendProblem(res, 'validation_failed', 'the body could not be read', {
      errors: [{ path: '', message: String((error as Error).message) }],
    });
  }
  const requestId = String(req.id ?? '');
  req.log?.error({ err: error }, 'unhandled error');
  sendProblem(res, 'internal_error', 'unexpected error; quote the request id when reporting it', { requestId });
};
