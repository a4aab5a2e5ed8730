import { request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import fc from 'fast-check';
import { createRequestListener } from '@coupon/api/app';
import { createApiServer } from '@coupon/api/server';
import type { TestApi } from '../support/api';
import type { TestEnv } from '../support/env';
import { expectProblem } from '../support/problems';

// Shared by the bad-input suites: a raw HTTP client (bodies and paths exactly as given,
// which supertest would "fix"), the problem+json check, and snapshots of everything the
// test file owns in PostgreSQL and Redis.

export interface RawResponse {
  status: number;
  contentType: string;
  text: string;
}

export interface RawClient {
  send(method: string, path: string, options?: { body?: string | Buffer; headers?: Record<string, string> }): Promise<RawResponse>;
  close(): Promise<void>;
}

/** The real express app and server wiring on a loopback port of its own, so each request is one real HTTP exchange. */
export async function listen(api: TestApi): Promise<RawClient> {
  const server: Server = createApiServer(createRequestListener(api.ctx));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    send(method, path, { body, headers = {} } = {}) {
      return new Promise((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, method, path, headers: {
          ...(body !== undefined ? { 'content-length': String(Buffer.byteLength(body)) } : {}),
          ...headers,
        } }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({
            status: res.statusCode ?? 0,
            contentType: String(res.headers['content-type'] ?? ''),
            text: Buffer.concat(chunks).toString('utf8'),
          }));
          res.on('error', reject);
        });
        req.on('error', reject);
        req.end(body);
      });
    },
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/**
 * Fails unless the response is a 4xx RFC 9457 problem of any code (of `allowed` statuses if
 * given; with `errors` on a 400): the check of test/support/problems on a raw answer.
 */
export function expectRefusal(res: RawResponse, allowed?: number[]): Record<string, unknown> {
  const where = `${res.status} ${res.contentType} ${res.text.slice(0, 300)}`;
  if (res.status < 400 || res.status > 499 || (allowed && !allowed.includes(res.status))) {
    throw new Error(`expected a 4xx${allowed ? ` in ${allowed.join('/')}` : ''}, got ${where}`);
  }
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(res.text) as Record<string, unknown>;
  } catch {
    throw new Error(`not JSON: ${where}`);
  }
  expectProblem({ status: res.status, headers: { 'content-type': res.contentType }, body }, res.status, String(body.code));
  if (res.status === 400 && !Array.isArray(body.errors)) throw new Error(`a 400 without errors: ${where}`);
  return body;
}

/** A read may succeed, but it must never be a 5xx, and a refusal is a problem. */
export function expectNoServerError(res: RawResponse): void {
  if (res.status >= 500) throw new Error(`server error: ${res.status} ${res.text.slice(0, 300)}`);
  if (res.status >= 400) expectRefusal(res);
}

const TABLES = ['coupons', 'coupons_history', 'user_coupons_storage', 'user_coupons_storage_history'] as const;

/** Row counts and a digest of every row of every table of the file's database. */
export async function databaseSnapshot(env: TestEnv): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const table of TABLES) {
    const { rows } = await sql<{ n: number; digest: string | null }>`
      SELECT count(*)::int AS n, md5(string_agg(t::text, '|' ORDER BY t.id)) AS digest FROM ${sql.table(table)} t
    `.execute(env.database.db);
    out[table] = `${rows[0]!.n} ${rows[0]!.digest}`;
  }
  return out;
}

/** Every key of the file's Redis prefixes (issuance state and its BullMQ queue), with its value. */
export async function redisSnapshot(env: TestEnv): Promise<Record<string, unknown>> {
  const { redis, keyPrefix, queuePrefix } = env.redis;
  const keys: string[] = [];
  for (const pattern of [`${keyPrefix}*`, `${queuePrefix}*`]) {
    let cursor = '0';
    do {
      const [next, found] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      keys.push(...found);
      cursor = next;
    } while (cursor !== '0');
  }
  const out: Record<string, unknown> = {};
  for (const key of keys.sort()) {
    const type = await redis.type(key);
    if (type === 'string') out[key] = await redis.get(key);
    else if (type === 'hash') out[key] = await redis.hgetall(key);
    else if (type === 'zset') out[key] = await redis.zrange(key, 0, -1, 'WITHSCORES');
    else if (type === 'list') out[key] = await redis.lrange(key, 0, -1);
    else if (type === 'set') out[key] = (await redis.smembers(key)).sort();
    else if (type === 'stream') out[key] = await redis.xrange(key, '-', '+');
    else out[key] = type;
  }
  return out;
}

export async function stateSnapshot(env: TestEnv) {
  return { database: await databaseSnapshot(env), redis: await redisSnapshot(env), prototype: prototypeSnapshot() };
}

/** What a prototype-pollution bug would change, in this process (the app runs in it). */
function prototypeSnapshot() {
  return [Object.prototype, Array.prototype, Function.prototype].map((p) => Object.getOwnPropertyNames(p).sort().join(','));
}

export const INT4_MAX = 2147483647;

/** Percent-encodes every byte of the string's UTF-8 form (lone surrogates included, as U+FFFD). */
export function encodeSegment(s: string): string {
  return [...Buffer.from(s, 'utf8')].map((b) => {
    const c = String.fromCharCode(b);
    return /[A-Za-z0-9._~-]/.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }).join('');
}

/** Keys that break naive object handling. */
export const nastyKeys = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', '', ' ', '\u0000', 'userId ', 'USERID'];

/** Strings that are hard on validators, parsers, databases and logs. */
export const nastyStrings = [
  '', ' ', '\t', '\u0000', '\u0000abc', 'a\nb', '\r\n', '\u202e\u0041', '\ufeff1', '\ud83d\ude00', '\ud800', '\udfff',
  '__proto__', 'constructor', 'null', 'undefined', 'NaN', 'Infinity', 'true', '[]', '{}',
  '0', '-1', '01', '1.5', '1e3', '1e309', '0x10', '+1', ' 1', '1 ', '2147483648', '9007199254740993', '-2147483649',
  '\uff11', '\u0661', '1\u0000', "1' OR '1'='1", '1; DROP TABLE coupons', '%', '%00', '%zz', '../../etc/passwd', '*', '?', '#',
  'a'.repeat(129), 'b'.repeat(1000), 'é'.repeat(64), 'user name', 'user/name', 'user\\name', 'user{c:1}', '{c:1}:meta',
];

/** Any JSON value, biased to the shapes that confuse. */
export const anyJson: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom(...nastyStrings),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.constantFrom(0, -0, -1, 1.5, 1e300, -1e300, INT4_MAX + 1, Number.MAX_SAFE_INTEGER + 2, null, true, false, [], {}),
  fc.dictionary(fc.constantFrom(...nastyKeys), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
);

/** A path segment that is not a positive int4 (as sent on the wire, percent-encoded). */
export const badIdSegment: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('0', '-1', '00', '01', '1.0', '1e3', '0x1', '2147483648', '4294967297', '99999999999999999999', 'abc', 'null',
    '%20', '%00', '%2F', '%2e%2e', '%ED%A0%80', '%C0%AF', '%FF', '%EF%BC%91', '%D9%A1', '1%00', '1%20', '%zz', '%'),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 40 })
    .filter((s) => !/^[1-9][0-9]{0,9}$/.test(s) && s !== '.' && s !== '..')
    .map(encodeSegment),
  fc.bigInt({ min: 2147483648n, max: 10n ** 30n }).map(String),
);

/** A path segment that is not a valid userId: too long, `.` or `..`, or a character outside [A-Za-z0-9._:@-]. */
export const badUserSegment: fc.Arbitrary<string> = fc.oneof(
  fc.string({ minLength: 129, maxLength: 300, unit: fc.constantFrom('a', 'Z', '9', '_', '-') }),
  fc.constantFrom('.', '..', '%2E', '%2e%2E'),
  fc.tuple(fc.string({ maxLength: 10 }), fc.string({ unit: 'binary', minLength: 1, maxLength: 3 }).filter((s) => /[^A-Za-z0-9._:@-]/.test(s)), fc.string({ maxLength: 10 }))
    .map(([a, b, c]) => a + b + c)
    .filter((s) => s !== '.' && s !== '..')
    .map(encodeSegment),
);

/** A body value that is not a valid userId/productId (`.` and `..` included: clients rewrite them in paths). */
export const badOpaqueId: fc.Arbitrary<unknown> = fc.oneof(
  anyJson.filter((v) => typeof v !== 'string' || !/^[A-Za-z0-9._:@-]{1,128}$/.test(v) || v === '.' || v === '..'),
  fc.constantFrom('.', '..', 'a\u0000', 'a\ud800', '\udfffa'),
  fc.string({ minLength: 129, maxLength: 2000, unit: fc.constantFrom('a', '1', '.') }),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 20 }).filter((s) => /[^A-Za-z0-9._:@-]/.test(s)),
);

/** A body value that is not a positive int4. */
export const badInt4: fc.Arbitrary<unknown> = fc.oneof(
  anyJson.filter((v) => !(typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= INT4_MAX)),
  fc.integer({ max: 0 }),
  fc.double({ noNaN: true }).filter((n) => !Number.isInteger(n)),
  fc.bigInt({ min: 2147483648n, max: 10n ** 20n }).map(Number),
  fc.integer({ min: 1, max: INT4_MAX }).map(String),
);

/**
 * Bodies that a route taking `base` must refuse: one field made wrong, an unknown or
 * prototype-polluting key added, a required field dropped, or not an object at all.
 */
export function corruptBody(base: Record<string, unknown>, badValues: Record<string, fc.Arbitrary<unknown>>, required: string[]) {
  const fields = Object.keys(badValues);
  const variants: fc.Arbitrary<unknown>[] = [
    fc.constantFrom(...fields).chain((field) => badValues[field]!.map((value) => ({ ...base, [field]: value }))),
    fc.tuple(fc.oneof(fc.constantFrom(...nastyKeys), fc.string({ maxLength: 20 }).filter((k) => !(k in base))), anyJson)
      .map(([key, value]) => {
        const body = { ...base };
        // defineProperty makes "__proto__" an own key, as JSON.parse would on the server
        Object.defineProperty(body, key, { value, enumerable: true, configurable: true, writable: true });
        return body;
      }),
    fc.oneof(fc.array(anyJson, { maxLength: 3 }), fc.string(), fc.integer(), fc.boolean(), fc.constant(null)),
  ];
  if (required.length) {
    variants.push(fc.constantFrom(...required).map((field) => {
      const { [field]: _dropped, ...rest } = base;
      return rest;
    }));
  }
  return fc.oneof(...variants).map((body) => JSON.stringify(body));
}

export const json = { 'content-type': 'application/json' };

/** Text a text field must refuse: NUL, or a surrogate without its pair (as JSON.parse makes of "\\ud800"). */
export const badText: fc.Arbitrary<string> = fc.tuple(
  fc.string({ maxLength: 20 }), fc.constantFrom('\u0000', '\ud800', '\udbff', '\udc00', '\udfff', '\udc00\ud800'), fc.string({ maxLength: 20 }),
).map(([a, bad, b]) => a + bad + b)
  .filter((s) => s.includes('\u0000') || /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s));

/** Timestamps that are ISO 8601 but outside the years 1970–9999 once in UTC. */
export const outOfRangeTimestamp = fc.oneof(
  fc.constantFrom('9999-12-31T23:59:59-23:59', '0001-01-01T00:00:00+01:00', '1969-12-31T23:59:59.999Z', '1970-01-01T00:30:00+01:00'),
  fc.integer({ min: 1, max: 1969 }).map((y) => `${String(y).padStart(4, '0')}-06-15T12:00:00Z`),
);

/** Content types that are not JSON, for a body that is. */
export const nonJsonType = fc.oneof(
  fc.constantFrom('text/plain', 'text/plain; charset=utf-8', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x',
    'application/xml', 'application/octet-stream', 'text/json', 'application/jsonp', 'json'),
  fc.tuple(fc.constantFrom('text', 'image', 'audio', 'application'), fc.stringMatching(/^[a-z]{1,10}$/))
    .filter(([, sub]) => sub !== 'json')
    .map(([type, sub]) => `${type}/${sub}`),
);
