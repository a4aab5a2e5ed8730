import { STATUS_CODES, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ErrorCode } from '@coupon/domain';
import { problemBody, problemCodes } from '@coupon/runtime';

/** What Node's HTTP parser refused, as the problem the client gets: 431 and 408 by name, else 400. */
function problemFor(error: NodeJS.ErrnoException): [ErrorCode, string, Record<string, unknown>?] {
  if (error.code === 'HPE_HEADER_OVERFLOW') return ['headers_too_large', 'request headers are limited to 16 KiB in all'];
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') return ['request_timeout', 'the request did not arrive in time'];
  return ['validation_failed', 'the request is not valid HTTP/1.1', {
    errors: [{ path: '', message: `malformed request (${error.code ?? 'parse error'})` }],
  }];
}

/**
 * The http server's 'clientError' listener: a request Node's parser refused before express saw
 * it (headers over 16 KiB, a bad chunk, Content-Length with Transfer-Encoding, headers that
 * never finish) is answered as problem+json like every other error, instead of Node's bare
 * status line; then the connection is closed, since its byte stream cannot be trusted.
 */
export function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  // as Node's own handler: nothing to say on a reset socket or once a response has begun on it
  const current = (socket as { _httpMessage?: ServerResponse })._httpMessage;
  if (error.code === 'ECONNRESET' || !socket.writable || current?.headersSent) {
    socket.destroy();
    return;
  }
  const [code, detail, extra] = problemFor(error);
  const status = problemCodes[code].status;
  const body = JSON.stringify(problemBody(code, detail, extra));
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/problem+json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    () => socket.destroy(),
  );
}
