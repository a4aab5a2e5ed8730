import { Router, type Request } from 'express';
import { DomainError } from '@coupon/domain';
import type { ApiContext } from '../context';
import { requireAdmin } from '../http/auth';
import { etagOf, parseIfMatch } from '../http/conditional';
import { idParam } from '../http/schemas';
import { parse } from '../http/validate';
import { adminCaller, idempotent } from '../idempotency/idempotency.middleware';
import { couponExists, findCouponById, listCouponHistory, listOpenCoupons } from './coupon.repository';
import { createCouponBody, updateCouponBody } from './coupon.schemas';
import { createCoupon, deleteCouponById, updateCouponById } from './coupon.service';
import { toCouponResponses, toHistoryEntry } from './coupon.view';

const ifMatchOf = (req: Request) => parseIfMatch(req.headers['if-match']);

export function couponRoutes(ctx: ApiContext): Router {
  const router = Router();
  const admin = requireAdmin(ctx.config.ADMIN_TOKEN);
  const once = idempotent(ctx, adminCaller);
  const couponId = (params: unknown) => parse(idParam, (params as { couponId: string }).couponId, 'couponId');

  router.post('/v1/coupons', admin, once, async (req, res) => {
    const row = await createCoupon(ctx, parse(createCouponBody, req.body, 'body'));
    const [coupon] = await toCouponResponses(ctx.redis, [row]);
    res.status(201).location(`/v1/coupons/${row.id}`).setHeader('ETag', etagOf(row.version)).json(coupon);
  });

  router.get('/v1/coupons', async (_req, res) => {
    res.json({ coupons: await toCouponResponses(ctx.redis, await listOpenCoupons(ctx.db)) });
  });

  router.get('/v1/coupons/:couponId', async (req, res) => {
    const id = couponId(req.params);
    const row = await findCouponById(ctx.db, id);
    if (!row) throw new DomainError('coupon_not_found', `coupon ${id} does not exist`);
    const [coupon] = await toCouponResponses(ctx.redis, [row]);
    res.setHeader('ETag', etagOf(row.version)).json(coupon);
  });

  router.patch('/v1/coupons/:couponId', admin, once, async (req, res) => {
    const id = couponId(req.params);
    const row = await updateCouponById(ctx, id, parse(updateCouponBody, req.body, 'body'), ifMatchOf(req));
    const [coupon] = await toCouponResponses(ctx.redis, [row]);
    res.setHeader('ETag', etagOf(row.version)).json(coupon);
  });

  router.delete('/v1/coupons/:couponId', admin, once, async (req, res) => {
    const row = await deleteCouponById(ctx, couponId(req.params), ifMatchOf(req));
    const [coupon] = await toCouponResponses(ctx.redis, [row]);
    res.setHeader('ETag', etagOf(row.version)).json(coupon);
  });

  // A deleted coupon's history stays readable: the 'deleted' entry is the point of it.
  router.get('/v1/coupons/:couponId/history', admin, async (req, res) => {
    const id = couponId(req.params);
    if (!(await couponExists(ctx.db, id))) throw new DomainError('coupon_not_found', `coupon ${id} does not exist`);
    res.json({ history: (await listCouponHistory(ctx.db, id)).map(toHistoryEntry) });
  });

  return router;
}
