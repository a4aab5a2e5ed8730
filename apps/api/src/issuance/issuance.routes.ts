import { Router } from 'express';
import type { ApiContext } from '../context';
import { idParam, opaqueId } from '../http/schemas';
import { parse } from '../http/validate';
import { issueBody, waitQuery } from './issuance.schemas';
import { awaitSettlement, findIssuance, findIssuanceOfUser, requestIssuance } from './issuance.service';

export function issuanceRoutes(ctx: ApiContext): Router {
  const router = Router();

  router.post('/v1/coupons/:couponId/issuances', async (req, res) => {
    const couponId = parse(idParam, req.params.couponId, 'couponId');
    const { userId } = parse(issueBody, req.body, 'body');
    const issuance = await requestIssuance(ctx, couponId, userId, String(req.id));
    res.status(202).location(`/v1/issuances/${issuance.issuanceId}`).json(issuance);
  });

  // Any form of id is looked up: an id this service never issued is simply not found.
  router.get('/v1/issuances/:issuanceId', async (req, res) => {
    const wait = parse(waitQuery, req.query.wait, 'wait');
    let issuance = await findIssuance(ctx, req.params.issuanceId);
    if (wait && issuance.status === 'pending') {
      issuance = await awaitSettlement(ctx, issuance, wait * 1000, (cancel) => res.once('close', cancel));
    }
    if (!res.destroyed) res.json(issuance);
  });

  router.get('/v1/coupons/:couponId/issuances/:userId', async (req, res) => {
    const couponId = parse(idParam, req.params.couponId, 'couponId');
    const userId = parse(opaqueId, req.params.userId, 'userId');
    res.json(await findIssuanceOfUser(ctx, couponId, userId));
  });

  return router;
}
