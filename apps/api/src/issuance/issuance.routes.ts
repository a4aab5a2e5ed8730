import { Router } from 'express';
import type { ApiContext } from '../context';
import { idParam, opaqueId } from '../http/schemas';
import { parse } from '../http/validate';
import { issueBody, waitQuery } from './issuance.schemas';
import { awaitSettlement, findIssuance, findIssuanceOfUser, requestIssuance } from './issuance.service';

export function issuanceRoutes(ctx: ApiContext): Router {
  const router = Router();

  const { auth, limits } = ctx;

  router.post('/v1/coupons/:couponId/issuances', ...auth.token, async (req, res) => {
    const couponId = parse(idParam, req.params.couponId, 'couponId');
    const { userId } = parse(issueBody, req.body, 'body');
    auth.authorize(req, userId);
    if (limits.issue) await limits.issue(req, res, userId);
    const issuance = await requestIssuance(ctx, couponId, userId, String(req.id));
    res.status(202).location(`/v1/issuances/${issuance.issuanceId}`).json(issuance);
  });

  // Any form of id is looked up: an id this service never issued is simply not found (to a
  // user token: forbidden, like another user's, so that a 403 never tells that one exists).
  // Ownership is checked before any wait, so waiting cannot tell either.
  router.get('/v1/issuances/:issuanceId', ...auth.token, async (req, res) => {
    const wait = parse(waitQuery, req.query.wait, 'wait');
    let issuance = await auth.readOwn(req, 'issuance_not_found', () => findIssuance(ctx, String(req.params.issuanceId)));
    if (wait && issuance.status === 'pending') {
      issuance = await awaitSettlement(ctx, issuance, wait * 1000, (cancel) => res.once('close', cancel));
    }
    if (!res.destroyed) res.json(issuance);
  });

  router.get('/v1/coupons/:couponId/issuances/:userId', ...auth.pathUser, async (req, res) => {
    const couponId = parse(idParam, req.params.couponId, 'couponId');
    const userId = parse(opaqueId, req.params.userId, 'userId');
    res.json(await findIssuanceOfUser(ctx, couponId, userId));
  });

  return router;
}
