import { sql } from 'kysely';
import { createPrivateRedis } from '../support/private-redis';
import { startTestApi, type TestApi } from '../support/api';
import { eventually, startApp } from '../support/processes';
import { useTestStack } from '../support/stack';
import { createCoupon } from '../support/coupons';
import { couponState, newKey, newUserCoupon, userCouponHistory } from './support';

// Idempotency-Key under concurrency and failure: duplicates in flight, a request that outlives
// its lease, record expiry, Redis down, and a process killed while it holds a key.
const stack = useTestStack();
const db = () => stack.env.database.db;

const patchWith = (api: TestApi, id: number, body: object, key: string) =>
  api.http.patch(`/v1/coupons/${id}`).set(api.admin).set('Idempotency-Key', key).send(body);

/** An API of its own on a sub-prefix of the file's Redis slice, so a test sees only its own records. */
async function isolatedApi(name: string, vars: Record<string, string> = {}) {
  const prefix = `${stack.env.redis.keyPrefix}${name}:`;
  const api = await startTestApi(stack.env, { REDIS_KEY_PREFIX: prefix, ...vars });
  const records = () => stack.env.redis.redis.keys(`${prefix}idem:*`);
  return { api, records };
}

async function waitingOnLocks(): Promise<number> {
  const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock'`.execute(db());
  return rows[0]!.n;
}

/**
 * The response, or 'processed again' when the request queued behind the held row lock as a
 * second waiter, i.e. the key did not stop it (it would hang there until the lock is released).
 */
async function answeredOrQueued<T>(request: Promise<T>): Promise<T | 'processed again'> {
  let answered = false;
  const response = request.finally(() => (answered = true));
  const queued = (async () => {
    while (!answered) {
      if ((await waitingOnLocks()) >= 2) return 'processed again' as const;
      await new Promise((r) => setTimeout(r, 50));
    }
    return response;
  })();
  return Promise.race([response, queued]);
}

/** Holds the coupon's row lock in a transaction of the test's own until release() is called. */
async function lockCouponRow(id: number) {
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  let locked!: () => void;
  const ready = new Promise<void>((resolve) => (locked = resolve));
  const done = db().transaction().execute(async (trx) => {
    await trx.selectFrom('coupons').select('id').where('id', '=', id).forUpdate().execute();
    locked();
    await held;
  });
  await ready;
  return {
    release: async () => {
      release();
      await done;
    },
  };
}

describe('duplicates in flight', () => {
  it('of N parallel PATCHes with one key exactly one is processed; the others are 409 in use or replays', async () => {
    const id = await createCoupon(stack.api);
    const key = newKey();
    const results = await Promise.all(Array.from({ length: 10 }, () => patchWith(stack.api, id, { count: 1 }, key)));
    const processed = results.filter((r) => r.status === 200 && r.headers['idempotent-replayed'] === undefined);
    expect(processed).toHaveLength(1);
    for (const r of results.filter((x) => x !== processed[0])) {
      if (r.status === 409) expect({ code: r.body.code, retryAfter: r.headers['retry-after'] }).toEqual({ code: 'idempotency_key_in_use', retryAfter: '1' });
      else expect({ status: r.status, replayed: r.headers['idempotent-replayed'], body: r.body }).toEqual({ status: 200, replayed: 'true', body: processed[0]!.body });
    }
    expect(await couponState(db(), id)).toMatchObject({ count: 101, history: ['created', 'updated'] });
  });

  it('of N parallel uses with one key exactly one is processed, and none answers already_used', async () => {
    const uc = await newUserCoupon(stack.api, db(), 'parallel-user');
    const key = newKey();
    const results = await Promise.all(Array.from({ length: 10 }, () =>
      stack.api.http.post(`/v1/users/${uc.userId}/coupons/${uc.id}/use`).set('Idempotency-Key', key).send({ couponId: uc.couponId, productId: 'p' })));
    expect(results.filter((r) => r.status === 200 && !r.headers['idempotent-replayed'])).toHaveLength(1);
    expect(results.map((r) => r.body.code).filter((c) => c !== undefined && c !== 'idempotency_key_in_use')).toEqual([]);
    expect(await userCouponHistory(db(), uc.id)).toEqual(['issued', 'used']);
  });

  it('a request that outlives its lease keeps the key (the lease is renewed) until it answers', async () => {
    const { api, records } = await isolatedApi('lease', { IDEMPOTENCY_LEASE_MS: '200' });
    const id = await createCoupon(api);
    const key = newKey();
    const lock = await lockCouponRow(id);
    try {
      const first = patchWith(api, id, { count: 3 }, key).then((r) => r);
      const [record] = await eventually(async () => ((await records()).length ? records() : undefined), 10_000, 'the lease');
      expect(await stack.env.redis.redis.hget(record!, 'state')).toBe('in-progress');
      await new Promise((r) => setTimeout(r, 1000)); // five leases: unrenewed, the key would be free
      const meanwhile = await answeredOrQueued(patchWith(api, id, { count: 3 }, key).then((r) => r));
      expect(meanwhile).not.toBe('processed again');
      const res = meanwhile as Awaited<ReturnType<typeof patchWith>>;
      expect({ status: res.status, code: res.body.code, retryAfter: res.headers['retry-after'] })
        .toEqual({ status: 409, code: 'idempotency_key_in_use', retryAfter: '1' });
      await lock.release();
      expect((await first).status).toBe(200);
      expect((await patchWith(api, id, { count: 3 }, key)).headers['idempotent-replayed']).toBe('true');
      expect(await couponState(db(), id)).toMatchObject({ count: 103, history: ['created', 'updated'] });
    } finally {
      await lock.release();
      await api.close();
    }
  });
});

it('after IDEMPOTENCY_TTL_SECONDS the key is forgotten and a request with it is processed afresh', async () => {
  const { api, records } = await isolatedApi('ttl', { IDEMPOTENCY_TTL_SECONDS: '1' });
  try {
    const id = await createCoupon(api);
    const key = newKey();
    await patchWith(api, id, { count: 1 }, key).expect(200);
    expect((await patchWith(api, id, { count: 1 }, key)).headers['idempotent-replayed']).toBe('true');
    await eventually(async () => ((await records()).length === 0 ? true : undefined), 10_000, 'the record to expire');
    const later = await patchWith(api, id, { count: 1 }, key);
    expect({ status: later.status, replayed: later.headers['idempotent-replayed'] }).toEqual({ status: 200, replayed: undefined });
    expect(await couponState(db(), id)).toMatchObject({ count: 102, history: ['created', 'updated', 'updated'] });
  } finally {
    await api.close();
  }
});

describe('Redis unavailable', () => {
  it('a request with a key is 503 service_unavailable and changes nothing; without a key it is served', async () => {
    const redis = await createPrivateRedis();
    const api = await startTestApi(stack.env, { REDIS_URL: redis.url });
    try {
      const id = await createCoupon(api);
      await redis.kill();
      const refused = await patchWith(api, id, { count: 1 }, newKey());
      expect({ status: refused.status, code: refused.body.code, retryAfter: refused.headers['retry-after'] })
        .toEqual({ status: 503, code: 'service_unavailable', retryAfter: '1' });
      expect(refused.body.detail).toMatch(/Idempotency-Key/);
      expect((await couponState(db(), id)).count).toBe(100);
      await api.http.patch(`/v1/coupons/${id}`).set(api.admin).send({ count: 1 }).expect(200);
      expect((await couponState(db(), id)).count).toBe(101);
    } finally {
      await api.close();
      await redis.destroy();
    }
  });

  it('lost after the key was leased: the work is done and its answer still goes out', async () => {
    const redis = await createPrivateRedis();
    const api = await startTestApi(stack.env, { REDIS_URL: redis.url });
    try {
      const id = await createCoupon(api);
      const lock = await lockCouponRow(id);
      const first = patchWith(api, id, { count: 4 }, newKey()).then((r) => r);
      await eventually(async () => ((await waitingOnLocks()) > 0 ? true : undefined), 10_000, 'the PATCH to wait for the row');
      await redis.kill();
      await lock.release();
      const res = await first;
      expect({ status: res.status, count: res.body.count }).toEqual({ status: 200, count: 104 });
    } finally {
      await api.close();
      await redis.destroy();
    }
  });
});

it('an API process killed while it holds a key: the key is in use until its lease lapses, then the retry is processed once', async () => {
  const id = await createCoupon(stack.api);
  const key = newKey();
  const { child: doomed, url } = await startApp('api', {
    ...stack.env.vars, IDEMPOTENCY_LEASE_MS: '5000', FAULT_CRASH_AT: 'after-idempotency-claim',
  });
  const reply = await fetch(`${url}/v1/coupons/${id}`, {
    method: 'PATCH',
    headers: { 'content-type': 'application/json', authorization: stack.api.admin.Authorization, 'idempotency-key': key },
    body: JSON.stringify({ count: 5 }),
  }).catch((error: unknown) => error);
  expect(String(reply)).toMatch(/fetch failed/); // it died before answering
  expect(await doomed.exited).toBe('SIGKILL');

  // another process: the key is still leased by the dead one, so the retry must wait ...
  const early = await patchWith(stack.api, id, { count: 5 }, key);
  expect({ status: early.status, code: early.body.code }).toEqual({ status: 409, code: 'idempotency_key_in_use' });
  // ... and once the lease lapses (no one renews it) the retry is processed, once
  const processed = await eventually(async () => {
    const res = await patchWith(stack.api, id, { count: 5 }, key);
    return res.status === 409 ? undefined : res;
  }, 20_000, 'the lease to lapse');
  expect({ status: processed.status, replayed: processed.headers['idempotent-replayed'], count: processed.body.count })
    .toEqual({ status: 200, replayed: undefined, count: 105 });
  expect((await patchWith(stack.api, id, { count: 5 }, key)).headers['idempotent-replayed']).toBe('true');
  expect(await couponState(db(), id)).toMatchObject({ count: 105, history: ['created', 'updated'] });
}, 60_000);
