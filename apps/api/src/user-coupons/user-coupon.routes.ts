import { Router, type Request } from 'express';
import type { ApiContext } from '../context';
import { idParam, opaqueId } from '../http/schemas';
import { parse } from '../http/validate';
import { idempotent, userCaller } from '../idempotency/idempotency.middleware';
import {
  cancelUseUserCouponBody, deleteUserCouponQuery, listUserCouponsQuery, useUserCouponBody,
} from './user-coupon.schemas';
import { applyUserCouponAction, listUserCoupons } from './user-coupon.service';

export function userCouponRoutes(ctx: ApiContext): Router {
  const router = Router();
  const userIdOf = (req: Request) => parse(opaqueId, req.params.userId, 'userId');
  const userCouponIdOf = (req: Request) => parse(idParam, req.params.userCouponId, 'userCouponId');
  const once = idempotent(ctx, userCaller);

  router.get('/v1/users/:userId/coupons', ...ctx.auth.pathUser, async (req, res) => {
    const userId = userIdOf(req);
    res.json(await listUserCoupons(ctx, userId, parse(listUserCouponsQuery, req.query, 'query')));
  });

  router.post('/v1/users/:userId/coupons/:userCouponId/use', ...ctx.auth.pathUser, once, async (req, res) => {
    const [userId, userCouponId] = [userIdOf(req), userCouponIdOf(req)];
    const { couponId, productId } = parse(useUserCouponBody, req.body, 'body');
    res.json(await applyUserCouponAction(ctx, userId, userCouponId, { kind: 'use', couponId, productId }));
  });

  router.post('/v1/users/:userId/coupons/:userCouponId/cancel-use', ...ctx.auth.pathUser, once, async (req, res) => {
    const [userId, userCouponId] = [userIdOf(req), userCouponIdOf(req)];
    const { couponId } = parse(cancelUseUserCouponBody, req.body, 'body');
    res.json(await applyUserCouponAction(ctx, userId, userCouponId, { kind: 'cancel-use', couponId }));
  });

  // Redis is left alone: the coupon's users hash keeps the user, so deleting one's coupon
  // never lets the same user be issued it again.
  router.delete('/v1/users/:userId/coupons/:userCouponId', ...ctx.auth.pathUser, once, async (req, res) => {
    const [userId, userCouponId] = [userIdOf(req), userCouponIdOf(req)];
    const { couponId } = parse(deleteUserCouponQuery, req.query, 'query');
    res.json(await applyUserCouponAction(ctx, userId, userCouponId, { kind: 'delete', couponId }));
  });

  return router;
}
