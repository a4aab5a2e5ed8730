import { Router, type Request } from 'express';
import type { ApiContext } from '../context';
import { requireAdmin } from '../http/auth';
import { etagOf, parseIfMatch } from '../http/conditional';
import { idParam } from '../http/schemas';
import { parse } from '../http/validate';
import { adminCaller, idempotent } from '../idempotency/idempotency.middleware';
import { sendCouponList } from './coupon-list';
import { createCouponBody, updateCouponBody } from './coupon.schemas';
import {
  couponResponse, createCoupon, deleteCouponById, getCoupon, getCouponHistory, updateCouponById,
} from './coupon.service';

const ifMatchOf = (req: Request) => parseIfMatch(req.headers['if-match']);

export function couponRoutes(ctx: ApiContext): Router {
  const router = Router();
  const admin = requireAdmin(ctx.config.ADMIN_TOKEN);
  const once = idempotent(ctx, adminCaller);
  const couponId = (params: unknown) => parse(idParam, (params as { couponId: string }).couponId, 'couponId');

  router.post('/v1/coupons', admin, once, async (req, res) => {
    const row = await createCoupon(ctx, parse(createCouponBody, req.body, 'body'));
    res.status(201).location(`/v1/coupons/${row.id}`).setHeader('ETag', etagOf(row.version)).json(await couponResponse(ctx, row));
  });

  // the plain request skips express (http/fast-path.ts); the same answer either way
  router.get('/v1/coupons', (_req, res) => sendCouponList(ctx.couponList, res));

  router.get('/v1/coupons/:couponId', async (req, res) => {
    const row = await getCoupon(ctx, couponId(req.params));
    res.setHeader('ETag', etagOf(row.version)).json(await couponResponse(ctx, row));
  });

  router.patch('/v1/coupons/:couponId', admin, once, async (req, res) => {
    const row = await updateCouponById(ctx, couponId(req.params), parse(updateCouponBody, req.body, 'body'), ifMatchOf(req));
    res.setHeader('ETag', etagOf(row.version)).json(await couponResponse(ctx, row));
  });

  router.delete('/v1/coupons/:couponId', admin, once, async (req, res) => {
    const row = await deleteCouponById(ctx, couponId(req.params), ifMatchOf(req));
    res.setHeader('ETag', etagOf(row.version)).json(await couponResponse(ctx, row));
  });

  router.get('/v1/coupons/:couponId/history', admin, async (req, res) => {
    res.json({ history: await getCouponHistory(ctx, couponId(req.params)) });
  });

  return router;
}
