import { Redis } from 'ioredis';
import {
  canonicalJson, claimKey, completeKey, defineIdempotencyCommands, fingerprintOf, idempotencyRecordKey, releaseKey, renewKey,
  type StoredResponse,
} from '@coupon/api/idempotency/idempotency.store';
import { createTestRedis, type TestRedis } from '../support/redis';
import { TEST_REDIS_URL } from '../support/servers';

// The lease scripts on their own, against the real Redis: whoever does not hold the lease can
// neither renew, release nor overwrite it.
let slice: TestRedis;
let redis: Redis;
beforeAll(() => {
  slice = createTestRedis();
  redis = defineIdempotencyCommands(new Redis(TEST_REDIS_URL, { keyPrefix: slice.keyPrefix }));
});
afterAll(async () => {
  redis.disconnect();
  await slice.cleanup();
});

const response: StoredResponse = { status: 200, contentType: 'application/json', location: null, etag: '"2"', body: '{}' };
let n = 0;
const newRecord = () => idempotencyRecordKey({ route: 'PATCH /v1/coupons/:couponId', params: { couponId: String(++n) }, caller: 'admin:x' }, 'k');

it('a lease holder renews, completes and is replayed; others are told the state', async () => {
  const record = newRecord();
  expect(await claimKey(redis, record, 'A', 'f1', 60_000)).toEqual({ kind: 'claimed' });
  expect(await claimKey(redis, record, 'B', 'f1', 60_000)).toEqual({ kind: 'in-progress', fingerprint: 'f1' });
  expect(await renewKey(redis, record, 'B', 60_000)).toBe(0);
  expect(await releaseKey(redis, record, 'B')).toBe(0);
  expect(await completeKey(redis, record, 'B', 'f1', response, 60)).toBe(0);
  expect(await renewKey(redis, record, 'A', 60_000)).toBe(1);
  expect(await completeKey(redis, record, 'A', 'f1', response, 60)).toBe(1);
  expect(await claimKey(redis, record, 'C', 'f2', 60_000)).toEqual({ kind: 'done', fingerprint: 'f1', response });
  expect(await redis.ttl(record)).toBeGreaterThan(50);
});

it('after a lease lapsed and another request took the key, the first can neither record nor release it', async () => {
  const record = newRecord();
  await claimKey(redis, record, 'A', 'f1', 60_000);
  await redis.del(record); // the lease lapses
  expect(await claimKey(redis, record, 'B', 'f1', 60_000)).toEqual({ kind: 'claimed' });
  expect(await completeKey(redis, record, 'A', 'f1', response, 60)).toBe(0);
  expect(await releaseKey(redis, record, 'A')).toBe(0);
  expect(await redis.hget(record, 'token')).toBe('B');
});

it('after a lease lapsed with no one else on the key, the response is still recorded', async () => {
  const record = newRecord();
  await claimKey(redis, record, 'A', 'f1', 60_000);
  await redis.del(record);
  expect(await completeKey(redis, record, 'A', 'f1', response, 60)).toBe(2);
  expect((await claimKey(redis, record, 'B', 'f1', 60_000)).kind).toBe('done');
});

it('the claim leases for the given time; release frees the key', async () => {
  const record = newRecord();
  await claimKey(redis, record, 'A', 'f1', 30_000);
  const pttl = await redis.pttl(record);
  expect(pttl).toBeGreaterThan(25_000);
  expect(pttl).toBeLessThanOrEqual(30_000);
  expect(await releaseKey(redis, record, 'A')).toBe(1);
  expect(await redis.exists(record)).toBe(0);
});

it('fingerprints ignore key order and undefined members, and tell body and query apart', () => {
  expect(canonicalJson({ b: [1, { y: 2, x: 1 }], a: 'é' })).toBe('{"a":"é","b":[1,{"x":1,"y":2}]}');
  expect(fingerprintOf({ body: { a: 1, b: 2 }, query: {} })).toBe(fingerprintOf({ body: { b: 2, a: 1, c: undefined }, query: {} }));
  expect(fingerprintOf({ body: undefined, query: { couponId: '1' } })).not.toBe(fingerprintOf({ body: undefined, query: { couponId: '2' } }));
  expect(fingerprintOf({ body: { count: 1 }, query: {} })).not.toBe(fingerprintOf({ body: { count: '1' }, query: {} }));
});
