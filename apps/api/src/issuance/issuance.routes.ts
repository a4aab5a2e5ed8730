import { Router } from 'express';
import type { ApiContext } from '../context';
import { idParam, opaqueId } from '../http/schemas';
import { parse } from '../http/validate';
import { ISSUE_ROUTE, issue } from './issue';
import { waitQuery } from './issuance.schemas';
import { awaitSettlement, findIssuance, findIssuanceOfUser } from './issuance.service';

export function issuanceRoutes(ctx: ApiContext): Router {
  const router = Router();

  const { auth } = ctx;

  // the common case skips express altogether (http/fast-path.ts); the rest comes here
  router.post(ISSUE_ROUTE, ...auth.token, (req, res) => issue(ctx, req, res, String(req.params.couponId), req.body));

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
