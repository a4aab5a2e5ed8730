import { couponBody } from '../support/builders';
import { ADMIN_TOKEN, createTestEnv, type TestEnv } from '../support/env';
import { useTestStack } from '../support/stack';

const stack = useTestStack();

const basic = (user: string, password: string) => ({
  Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`,
});

describe('/admin/queues', () => {
  it.each([
    ['no credentials', {}],
    ['a wrong Basic password', basic('admin', 'not-the-token')],
    ['the token under another Basic user', basic('root', ADMIN_TOKEN)],
    ['a wrong Bearer token', { Authorization: 'Bearer not-the-token' }],
  ])('is 401 with a Basic challenge for %s', async (_what, headers: Record<string, string>) => {
    for (const url of ['/admin/queues', '/admin/queues/api/queues', '/admin/queues/static/favicon-32x32.png']) {
      const res = await stack.api.http.get(url).set(headers);
      expect({ url, status: res.status }).toEqual({ url, status: 401 });
      expect(res.headers['www-authenticate']).toMatch(/^Basic realm="[^"]+"$/);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({ code: 'unauthorized', status: 401 });
    }
  });

  it.each([
    ['Basic admin:<token>', basic('admin', ADMIN_TOKEN)],
    ['Bearer <token>', { Authorization: `Bearer ${ADMIN_TOKEN}` }],
  ])('serves the dashboard and its assets for %s', async (_what, headers: Record<string, string>) => {
    const page = await stack.api.http.get('/admin/queues').set(headers);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['x-powered-by']).toBeUndefined();
    expect(page.text).toContain('<base href="/admin/queues/"');
    const assets = [...page.text.matchAll(/(?:src|href)="(static\/[^"]+)"/g)].map((m) => `/admin/queues/${m[1]}`);
    expect(assets.some((a) => a.endsWith('.js'))).toBe(true);
    for (const asset of assets) {
      const res = await stack.api.http.get(asset).set(headers);
      expect({ asset, status: res.status }).toEqual({ asset, status: 200 });
    }
  });

  it("lists the issuance and reconcile queues, with an accepted issuance's job waiting (no worker runs)", async () => {
    const coupon = await stack.api.http.post('/v1/coupons').set(stack.api.admin).send(couponBody());
    expect(coupon.status).toBe(201);
    const issued = await stack.api.http.post(`/v1/coupons/${coupon.body.id}/issuances`).send({ userId: 'user_board' });
    expect(issued.status).toBe(202);

    const res = await stack.api.http
      .get('/admin/queues/api/queues')
      .query({ activeQueue: 'issuance', status: 'waiting' })
      .set(basic('admin', ADMIN_TOKEN));
    expect(res.status).toBe(200);
    const queues = res.body.queues as Array<{ name: string; counts: Record<string, number>; jobs: Array<{ id: string; data: unknown }> }>;
    expect(queues.map((q) => q.name).sort()).toEqual(['issuance', 'reconcile']);
    const issuance = queues.find((q) => q.name === 'issuance')!;
    expect(issuance.counts.waiting).toBe(1);
    expect(issuance.jobs).toEqual([
      expect.objectContaining({
        id: issued.body.issuanceId,
        data: expect.objectContaining({ issuanceId: issued.body.issuanceId, userId: 'user_board', couponId: coupon.body.id }),
      }),
    ]);
  });

  it('leaves unknown paths under it to the API 404', async () => {
    const res = await stack.api.http.get('/admin/queues/api/nothing-here').set(stack.api.admin);
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ code: 'not_found' });
  });
});
