import { createCoupon } from '../support/coupons';
import { ADMIN_TOKEN } from '../support/env';
import { eventually } from '../support/processes';
import { useTestStack } from '../support/stack';
import { startTestWorker } from '../support/worker';

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

  type BoardJob = { id: string; name: string; data: Record<string, any>; returnValue: unknown };
  const board = async (status: string) => {
    const res = await stack.api.http
      .get('/admin/queues/api/queues')
      .query({ activeQueue: 'issuance', status })
      .set(basic('admin', ADMIN_TOKEN));
    expect(res.status).toBe(200);
    return res.body.queues as Array<{ name: string; counts: Record<string, number>; jobs: BoardJob[] }>;
  };

  it('shows a group of issuances as one batch job: its coupons, count and issuance ids, then its outcome counts', async () => {
    const a = await createCoupon(stack.api, { count: 1 });
    const b = await createCoupon(stack.api);
    // sent at once, so the API groups them into one job (no worker runs yet)
    const issued = await Promise.all([
      stack.api.http.post(`/v1/coupons/${a}/issuances`).send({ userId: 'user_board' }),
      stack.api.http.post(`/v1/coupons/${b}/issuances`).send({ userId: 'user_board' }),
      stack.api.http.post(`/v1/coupons/${b}/issuances`).send({ userId: 'user_other' }),
    ]);
    expect(issued.map((r) => r.status)).toEqual([202, 202, 202]);
    const ids = issued.map((r) => r.body.issuanceId as string);

    const queues = await board('waiting');
    expect(queues.map((q) => q.name).sort()).toEqual(['issuance', 'reconcile']);
    const issuance = queues.find((q) => q.name === 'issuance')!;
    const jobs = issuance.jobs;
    expect(jobs.every((job) => job.name === 'persist-batch')).toBe(true);
    expect(jobs.flatMap((job) => job.data.items.map((item: { issuanceId: string }) => item.issuanceId)).sort()).toEqual([...ids].sort());
    for (const job of jobs) {
      expect(job.data.count).toBe(job.data.items.length);
      expect(job.data.coupons).toEqual([...new Set(job.data.items.map((item: { couponId: number }) => item.couponId))]);
    }
    expect(issuance.counts.waiting).toBe(jobs.length);

    const worker = await startTestWorker(stack.env);
    try {
      const completed = await eventually(async () => {
        const done = (await board('completed')).find((q) => q.name === 'issuance')!.jobs;
        return done.length === jobs.length ? done : undefined;
      }, 20_000, 'the batch jobs to complete');
      const total = { issued: 0, sold_out: 0, already_holds_coupon: 0 };
      for (const job of completed) {
        for (const [k, v] of Object.entries(job.returnValue as Record<string, number>)) total[k as keyof typeof total] += v;
      }
      expect(total).toEqual({ issued: 3, sold_out: 0, already_holds_coupon: 0 });
    } finally {
      await worker.close();
    }
  });

  it('leaves unknown paths under it to the API 404', async () => {
    const res = await stack.api.http.get('/admin/queues/api/nothing-here').set(stack.api.admin);
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ code: 'not_found' });
  });
});
