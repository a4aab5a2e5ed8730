import express, { type RequestHandler } from 'express';
import { DomainError } from '@coupon/domain';

export const BODY_LIMIT_BYTES = 64 * 1024;
const JSON_TYPES = ['application/json', 'application/*+json'];

/**
 * JSON request bodies: refused early when too large or not JSON, then parsed. The two checks
 * come first because they need only the headers: a body declared over the limit is answered
 * at once (body-parser would wait for all of it, or for the request timeout), and a form or
 * text body is named as such rather than reported as a missing object.
 */
export function jsonBody(): RequestHandler[] {
  return [refuseDeclaredTooLarge, refuseNonJson, parseJson()];
}

const refuseDeclaredTooLarge: RequestHandler = (req, res, next) => {
  if (!(Number(req.headers['content-length']) > BODY_LIMIT_BYTES)) return next();
  // the rest of the body is not read: the connection ends with this answer
  res.setHeader('Connection', 'close');
  next(Object.assign(new Error('request entity too large'), { type: 'entity.too.large', status: 413 }));
};

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** A request with no body (no Content-Length, or 0), or a read, is left alone, whatever its type says. */
const refuseNonJson: RequestHandler = (req, _res, next) => {
  const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length']) > 0;
  if (!hasBody || READS.has(req.method) || req.is(JSON_TYPES)) return next();
  const type = req.headers['content-type'];
  next(new DomainError('unsupported_media_type',
    type ? `bodies are JSON: send Content-Type: application/json, not ${type.split(';')[0]}` : 'bodies are JSON: send Content-Type: application/json'));
};

/**
 * At most 64 KiB, UTF-8 only (RFC 8259 §8.1). body-parser also decodes UTF-16, UTF-32 and
 * UTF-7, and under those a few stray bytes decode to nothing, which then reads as `{}`:
 * garbage would pass as a valid empty PATCH. Any other charset is refused, and the error
 * handler answers 400 like any unreadable body.
 */
function parseJson(): RequestHandler {
  return express.json({
    limit: BODY_LIMIT_BYTES,
    strict: false,
    type: JSON_TYPES,
    verify: (_req, _res, _buf, encoding) => {
      if (encoding !== 'utf-8') {
        throw Object.assign(new Error(`unsupported charset "${encoding.toUpperCase()}": JSON bodies are UTF-8`), {
          status: 415,
          type: 'charset.unsupported',
        });
      }
    },
  });
}
