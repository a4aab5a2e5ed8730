import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createRequestListener } from '@coupon/api/app';
import { createApiServer } from '@coupon/api/server';
import { createCoupon } from '../support/coupons';
import { expectProblem } from '../support/problems';
import { useTestStack } from '../support/stack';

// What reaches the API before express has a request to route: the declared size of a body,
// its media type, a path that does not decode, and what Node's HTTP parser itself refuses.
// Every one is an application/problem+json answer (API.md "Conventions").
const stack = useTestStack();
let server: Server;
let port: number;
let couponId: number;

beforeAll(async () => {
  // the real server wiring, with a headers timeout short enough to meet in a test
  server = createApiServer(createRequestListener(stack.api.ctx), { headersTimeout: 1000, requestTimeout: 2000, connectionsCheckingInterval: 100 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  couponId = await createCoupon(stack.api);
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

interface Exchange {
  status: number;
  /** By lower-case name, as supertest gives them. */
  headers: Record<string, string>;
  body: Record<string, any>;
}

function parseHead(head: string): Pick<Exchange, 'status' | 'headers'> {
  const [statusLine = '', ...lines] = head.split('\r\n');
  const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).trim().toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
  return { status: Number(statusLine.split(' ')[1]), headers };
}

/** Writes raw bytes and reads the answer until the server closes the connection. */
function exchange(raw: string): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no complete answer within 10 s; got: ${JSON.stringify(received)}`));
    }, 10_000);
    socket.on('data', (d: Buffer) => (received += d.toString()));
    socket.on('error', () => {}); // a reset after the answer; judged by what was received
    socket.on('close', () => {
      clearTimeout(timer);
      const [head = '', body = ''] = received.split('\r\n\r\n');
      try {
        resolve({ ...parseHead(head), body: JSON.parse(body) as Record<string, any> });
      } catch {
        reject(new Error(`not a problem+json answer: ${JSON.stringify(received)}`));
      }
    });
    socket.write(raw);
  });
}

const issue = `/v1/coupons/{id}/issuances`;
const path = () => issue.replace('{id}', String(couponId));

it('a body declared over 64 KiB is 413 payload_too_large at once, before it arrives', async () => {
  const res = await exchange(`POST ${path()} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 99999999\r\n\r\n{`);
  expectProblem(res, 413, 'payload_too_large');
});

it('headers over 16 KiB are 431 headers_too_large', async () => {
  const res = await exchange(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(17 * 1024)}\r\n\r\n`);
  expectProblem(res, 431, 'headers_too_large');
});

it.each([
  ['a bad chunk size', `POST ${'{path}'} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n`],
  ['Content-Length with Transfer-Encoding', `POST ${'{path}'} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n`],
  ['a space inside the header name', 'GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header: 1\r\n\r\n'],
])('%s is 400 validation_failed', async (_what, raw) => {
  const res = await exchange(raw.replace('{path}', path()));
  expectProblem(res, 400, 'validation_failed');
  expect(res.body.errors).toEqual([{ path: '', message: expect.stringMatching(/^malformed request/) }]);
});

it('headers that never finish are 408 request_timeout', async () => {
  const res = await exchange('GET /healthz HTTP/1.1\r\nHost: x\r\n');
  expectProblem(res, 408, 'request_timeout');
});

it('a path that does not percent-decode is 400 naming the path, not the body', async () => {
  for (const bad of ['/v1/coupons/%E0%A4%A', '/v1/users/%zz/coupons', `/v1/coupons/${couponId}/issuances/u%FF`]) {
    const res = await exchange(`GET ${bad} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    expectProblem(res, 400, 'validation_failed');
    expect({ bad, detail: res.body.detail, errors: res.body.errors }).toEqual({
      bad, detail: 'the path is not valid', errors: [{ path: 'path', message: 'malformed percent-encoding' }],
    });
  }
});

describe('415 unsupported_media_type', () => {
  const post = (headers: Record<string, string>, body?: string) =>
    fetch(`http://127.0.0.1:${port}${path()}`, { method: 'POST', headers, body });

  it.each([
    ['text/plain', 'text/plain'],
    ['a form', 'application/x-www-form-urlencoded'],
    ['multipart', 'multipart/form-data; boundary=x'],
    ['XML', 'application/xml'],
  ])('a JSON body sent as %s', async (_what, type) => {
    const res = await post({ 'content-type': type }, JSON.stringify({ userId: 'media_type_user' }));
    expect({ status: res.status, type: res.headers.get('content-type') }).toEqual({ status: 415, type: expect.stringMatching(/^application\/problem\+json/) });
    expect(await res.json()).toMatchObject({ code: 'unsupported_media_type', detail: expect.stringContaining(type.split(';')[0]!) });
  });

  it('a body with no content type', async () => {
    const res = await post({}, new Blob([JSON.stringify({ userId: 'media_type_user' })]) as unknown as string);
    expect({ status: res.status, code: ((await res.json()) as { code: string }).code }).toEqual({ status: 415, code: 'unsupported_media_type' });
  });

  it('is not said of a request without a body, whatever its type', async () => {
    for (const headers of [{}, { 'content-type': 'text/plain' }] as Record<string, string>[]) {
      const res = await post(headers);
      expect({ status: res.status, code: ((await res.json()) as { code: string }).code }).toEqual({ status: 400, code: 'validation_failed' });
    }
  });

  it('nor of reads that happen to carry one', async () => {
    const res = await exchange('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nhi');
    expect(res.status).toBe(200);
  });

  it('nor of JSON types: application/json with a charset, application/*+json', async () => {
    for (const type of ['application/json; charset=utf-8', 'application/merge-patch+json']) {
      const res = await post({ 'content-type': type }, JSON.stringify({ userId: `json_type_${type.length}` }));
      expect({ type, status: res.status }).toEqual({ type, status: 202 });
    }
  });
});
