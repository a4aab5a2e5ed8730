import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Request } from 'express';
import type { ApiContext } from '../context';
import { idParam } from '../http/schemas';
import { parse } from '../http/validate';
import { issueBody } from './issuance.schemas';
import type { IssuanceResponse } from './issuance.schemas';
import { requestIssuance } from './issuance.service';

export const ISSUE_ROUTE = '/v1/coupons/:couponId/issuances';

/**
 * POST /v1/coupons/:couponId/issuances once its body is read, for both ways a request can
 * come (express, or the fast path that skips it): validate, authorize, limit, reserve.
 */
export async function issue(
  ctx: ApiContext,
  req: IncomingMessage,
  res: ServerResponse,
  couponIdParam: string | undefined,
  body: unknown,
): Promise<void> {
  const couponId = parse(idParam, couponIdParam, 'couponId');
  const { userId } = parse(issueBody, body, 'body');
  ctx.auth.authorize(req as Request, userId);
  if (ctx.limits.issue) await ctx.limits.issue(res, userId);
  sendAccepted(res, await requestIssuance(ctx, couponId, userId, String((req as Request).id)));
}

function sendAccepted(res: ServerResponse, issuance: IssuanceResponse): void {
  const body = JSON.stringify(issuance);
  res.writeHead(202, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    Location: `/v1/issuances/${issuance.issuanceId}`,
  });
  res.end(body);
}
