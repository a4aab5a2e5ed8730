// Fresh coupons through the admin API, one per phase, so each phase checks its own rows.
export interface BenchCoupon {
  id: number;
  type: 'limited' | 'unlimited';
  count: number;
}

export async function createCoupon(
  apiUrl: string,
  adminToken: string,
  name: string,
  type: 'limited' | 'unlimited',
  count: number,
): Promise<BenchCoupon> {
  const now = Date.now();
  const res = await fetch(`${apiUrl}/v1/coupons`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
    body: JSON.stringify({
      name,
      type,
      count: type === 'limited' ? count : 0,
      startDate: new Date(now - 60_000).toISOString(),
      endDate: new Date(now + 24 * 3600_000).toISOString(),
      expireMinute: 7200,
      discountType: 'percent',
      discountAmount: 10,
    }),
  });
  if (res.status !== 201) throw new Error(`creating coupon ${name}: ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { id: number };
  return { id: body.id, type, count: type === 'limited' ? count : 0 };
}

/** Adds coupons until `total` are open, so the list carries a shop's worth of campaigns. */
export async function ensureOpenCoupons(apiUrl: string, adminToken: string, total: number, tag: string): Promise<void> {
  const res = await fetch(`${apiUrl}/v1/coupons`);
  const open = ((await res.json()) as { coupons: unknown[] }).coupons.length;
  for (let i = open; i < total; i++) await createCoupon(apiUrl, adminToken, `bench ${tag} campaign ${i}`, 'limited', 1000);
}
