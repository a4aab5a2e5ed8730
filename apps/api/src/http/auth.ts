import { timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { DomainError } from '@coupon/domain';

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Accepts `Bearer <token>`, and HTTP Basic `admin:<token>` for browsers (Bull Board). */
export function tokenFromHeader(header: string | undefined): string | null {
  if (!header) return null;
  const [scheme, value = ''] = header.split(' ', 2);
  if (scheme?.toLowerCase() === 'bearer') return value;
  if (scheme?.toLowerCase() === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon >= 0 && decoded.slice(0, colon) === 'admin' ? decoded.slice(colon + 1) : null;
  }
  return null;
}

export function requireAdmin(adminToken: string, options: { basicChallenge?: boolean } = {}): RequestHandler {
  return (req, res, next) => {
    const token = tokenFromHeader(req.headers.authorization);
    if (token !== null && sameSecret(token, adminToken)) return next();
    res.setHeader('WWW-Authenticate', options.basicChallenge ? 'Basic realm="coupon admin"' : 'Bearer');
    next(new DomainError('unauthorized', 'this route needs the admin token'));
  };
}
