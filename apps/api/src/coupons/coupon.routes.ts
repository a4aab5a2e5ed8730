import { Router } from 'express';
import type { ApiContext } from '../context';
import { requireAdmin } from '../http/auth';
import { idParam } from '../http/schemas';
import { parse } from '../http/validate';
import { createCouponBody, updateCouponBody } from './coupon.schemas';
import {
  couponResponse, createCoupon, deleteCouponById, getCoupon, getCouponHistory, updateCouponById,
} from './coupon.service';

export function couponRoutes(ctx: ApiContext): Router {
  const router = Router();
  const admin = requireAdmin(ctx.config.ADMIN_TOKEN);
  const couponId = (params: unknown) => parse(idParam, (params as { couponId: string }).couponId, 'couponId');

  router.post('/v1/coupons', admin, async (req, res) => {
    const row = await createCoupon(ctx, parse(createCouponBody, req.body, 'body'));
    res.status(201).location(`/v1/coupons/${row.id}`).json(await couponResponse(ctx, row));
  });

  router.get('/v1/coupons', async (_req, res) => {
    res.type('application/json').send(await ctx.couponList.render());
  });

  router.get('/v1/coupons/:couponId', async (req, res) => {
    res.json(await couponResponse(ctx, await getCoupon(ctx, couponId(req.params))));
  });

  router.patch('/v1/coupons/:couponId', admin, async (req, res) => {
    const row = await updateCouponById(ctx, couponId(req.params), parse(updateCouponBody, req.body, 'body'));
    res.json(await couponResponse(ctx, row));
  });

  router.delete('/v1/coupons/:couponId', admin, async (req, res) => {
    res.json(await couponResponse(ctx, await deleteCouponById(ctx, couponId(req.params))));
  });

  router.get('/v1/coupons/:couponId/history', admin, async (req, res) => {
    res.json({ history: await getCouponHistory(ctx, couponId(req.params)) });
  });

  return router;
}
