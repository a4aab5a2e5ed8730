import express, { type RequestHandler } from 'express';

/**
 * JSON request bodies: at most 64 KiB, UTF-8 only (RFC 8259 §8.1). body-parser also decodes
 * UTF-16, UTF-32 and UTF-7, and under those a few stray bytes decode to nothing, which
 * then reads as `{}`: garbage would pass as a valid empty PATCH. Any other charset is
 * refused, and the error handler answers 400 like any unreadable body.
 */
export function jsonBody(): RequestHandler {
  return express.json({
    limit: '64kb',
    strict: false,
    type: ['application/json', 'application/*+json'],
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
