import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { Router, type Express } from 'express';
import type { ApiContext } from '../context';
import { requireAdmin } from '../http/auth';

export const BULL_BOARD_PATH = '/admin/queues';

/**
 * Bull Board over the issuance and reconcile queues, behind the admin token. Browsers get a
 * Basic challenge (user `admin`, the token as password); scripts may send the Bearer token.
 */
export function bullBoardRoutes(ctx: ApiContext): Router {
  const serverAdapter = new ExpressAdapter().setBasePath(BULL_BOARD_PATH);
  createBullBoard({
    queues: [new BullMQAdapter(ctx.issuanceQueue), new BullMQAdapter(ctx.reconcileQueue)],
    serverAdapter,
    options: { uiConfig: { boardTitle: 'Coupon queues' } },
  });
  const board = serverAdapter.getRouter() as Express;
  board.disable('x-powered-by');

  const router = Router();
  router.use(BULL_BOARD_PATH, requireAdmin(ctx.config.ADMIN_TOKEN, { basicChallenge: true }), board);
  return router;
}
