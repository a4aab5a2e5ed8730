import { couponBody, type CouponBody } from './builders';
import { ADMIN_TOKEN } from './env';
import type { TestApi } from './api';

/**
 * Where a test creates its coupons: the in-process API (supertest), or a running one by its
 * base URL (fetch), with the admin token of test/support/env unless another is given.
 */
export type CouponApi = TestApi | string | { url: string; adminToken: string };

/** Creates `couponBody(overrides)` through the admin API, expects the 201 and returns the id. */
export async function createCoupon(api: CouponApi, overrides: CouponBody = {}): Promise<number> {
  const body = couponBody(overrides);
  if (typeof api === 'object' && 'http' in api) {
    const res = await api.http.post('/v1/coupons').set(api.admin).send(body);
    expect({ status: res.status, body: res.body }).toMatchObject({ status: 201, body: { id: expect.any(Number) } });
    return res.body.id;
  }
  const { url, adminToken } = typeof api === 'string' ? { url: api, adminToken: ADMIN_TOKEN } : api;
  const res = await fetch(`${url}/v1/coupons`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
    body: JSON.stringify(body),
  });
  const created = { status: res.status, body: (await res.json().catch(() => null)) as { id: number } };
  expect(created).toMatchObject({ status: 201, body: { id: expect.any(Number) } });
  return created.body.id;
}
