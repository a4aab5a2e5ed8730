import type { Request, RequestHandler } from 'express';
import { DomainError, isDomainError, type ErrorCode } from '@coupon/domain';
import type { Logger } from '@coupon/runtime';
import type { ApiConfig } from '../config';
import { createTokenVerifier, TokenRejected, type Caller } from './jwt';
import { opaqueId } from './schemas';
import { parse } from './validate';

/**
 * Who may act for a user (API.md "AUTH_MODE"). In `trusted` mode every part is a no-op and
 * the middleware lists are empty, so the routes cost what they did. In `jwt` mode:
 * - `token` verifies `Authorization: Bearer <JWT>` (401 when missing or invalid);
 * - `pathUser` does that and authorizes the path's `:userId` before the route reads anything;
 * - `authorize` is the same check for a userId found elsewhere (the issue request's body);
 * - `readOwn` is for a lookup by an id that does not name the user: to a user token,
 *   another user's object and a missing one are the same 403, so it learns nothing.
 */
export interface UserAuth {
  token: RequestHandler[];
  pathUser: RequestHandler[];
  authorize(req: Request, userId: string): void;
  readOwn<T extends { userId: string }>(req: Request, missing: ErrorCode, read: () => Promise<T>): Promise<T>;
}

const BEARER = /^Bearer +([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*) *$/i;
const FORBIDDEN = 'the token may act only for its own user';

export function createUserAuth(config: ApiConfig, log: Logger): UserAuth {
  if (config.AUTH_MODE === 'trusted') {
    return { token: [], pathUser: [], authorize: () => {}, readOwn: (_req, _missing, read) => read() };
  }
  const verify = createTokenVerifier(config, log);
  const callers = new WeakMap<Request, Caller>();

  const token: RequestHandler = async (req, res, next) => {
    const header = req.headers.authorization;
    if (!header) {
      res.setHeader('WWW-Authenticate', 'Bearer');
      throw new DomainError('unauthorized', 'this route needs a user token: Authorization: Bearer <JWT>');
    }
    try {
      const match = BEARER.exec(header);
      if (!match) throw new TokenRejected('the Authorization header is not "Bearer" and a JWT');
      callers.set(req, await verify(match[1]!));
    } catch (error) {
      if (!(error instanceof TokenRejected)) throw error;
      res.setHeader('WWW-Authenticate', `Bearer error="invalid_token", error_description="${error.reason.replace(/"/g, "'")}"`);
      throw new DomainError('unauthorized', error.reason);
    }
    next();
  };

  const authorize = (req: Request, userId: string) => {
    const caller = callers.get(req);
    if (!caller) throw new Error('user route without the token middleware'); // a wiring mistake, never the client's
    if (!caller.actsForAnyone && caller.sub !== userId) throw new DomainError('forbidden', FORBIDDEN);
  };

  const pathUser: RequestHandler = (req, _res, next) => {
    authorize(req, parse(opaqueId, req.params.userId, 'userId'));
    next();
  };

  return {
    token: [token],
    pathUser: [token, pathUser],
    authorize,
    async readOwn(req, missing, read) {
      const caller = callers.get(req);
      if (!caller) throw new Error('user route without the token middleware');
      if (caller.actsForAnyone) return read();
      const found = await read().catch((error: unknown) => {
        throw isDomainError(error) && error.code === missing ? new DomainError('forbidden', FORBIDDEN) : error;
      });
      if (found.userId !== caller.sub) throw new DomainError('forbidden', FORBIDDEN);
      return found;
    },
  };
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/i;

/** API.md: trusted mode on a non-loopback address means anyone who reaches it acts for any user. */
export function warnIfExposed(config: ApiConfig, log: Logger): void {
  if (config.AUTH_MODE !== 'trusted' || LOOPBACK.test(config.HOST)) return;
  log.warn(
    { host: config.HOST },
    'AUTH_MODE=trusted on a non-loopback address: anyone who reaches this port can act for any user; '
      + 'keep it behind a gateway that authenticates users, or set AUTH_MODE=jwt',
  );
}
