import type { ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { DomainError } from '@coupon/domain';
import type { Logger } from '@coupon/runtime';
import type { ApiConfig } from '../config';
import type { ApiMetrics } from '../ops/metrics';
import { routeTemplateOf } from './route-template';

/** The one route the per-user limit guards (its metric label). */
const ISSUE_ROUTE = '/v1/coupons/:couponId/issuances';

/**
 * API.md's rate limits, in Redis so every process and host shares them (rate-limiter-flexible,
 * a fixed one-second window per key: one Lua call per check). A limit of 0 builds nothing, so
 * the route pays nothing. A key past its limit is also blocked in this process's memory
 * until its window ends: a flood from one user or address stops costing Redis calls.
 *
 * When the limiter's Redis fails, requests are not refused for it: the check falls back to a
 * per-process in-memory limiter with the same numbers (a burst stays bounded, by the number
 * of processes), the failure is counted and logged at most every 10 s.
 */
export interface RateLimits {
  /** App-level middleware, per client address; null when RATE_LIMIT_IP is 0. */
  perAddress: RequestHandler | null;
  /** Throws 429 `rate_limited` once `userId` has issued its share this second; null when off. */
  issue: ((res: ServerResponse, userId: string) => Promise<void>) | null;
}

type LimitName = 'user' | 'address';

interface Deps {
  config: ApiConfig;
  redis: Redis;
  log: Logger;
  metrics: ApiMetrics;
}

// never limited: probes and scrapes must work while a client floods (API.md), and the docs
const EXEMPT = /^\/(healthz|readyz|metrics|openapi\.json|docs)(\/|$)/;

export function createRateLimits({ config, redis, log, metrics }: Deps): RateLimits {
  let lastWarning = 0;
  const check = (name: LimitName, keyPrefix: string, points: number) => {
    const options = { keyPrefix, points, duration: 1 };
    const shared = new RateLimiterRedis({ ...options, storeClient: redis, inMemoryBlockOnConsumed: points + 1, rejectIfRedisNotReady: true });
    const fallback = new RateLimiterMemory(options);
    return async (res: ServerResponse, key: string, route: string): Promise<void> => {
      const msBeforeNext = await consume(shared, key).catch(async (error: unknown) => {
        metrics.rateLimiterErrors.inc({ limit: name });
        if (Date.now() - lastWarning > 10_000) {
          lastWarning = Date.now();
          log.warn({ err: error, limit: name }, 'rate limiter Redis failed: limiting per process until it answers');
        }
        return consume(fallback, key);
      });
      if (msBeforeNext === null) return;
      metrics.rateLimited.inc({ route, limit: name });
      res.setHeader('Retry-After', String(Math.max(1, Math.ceil(msBeforeNext / 1000))));
      throw new DomainError('rate_limited', name === 'user'
        ? `more than ${points} issue requests per second for this user; retry after the Retry-After seconds`
        : `more than ${points} requests per second from this address; retry after the Retry-After seconds`);
    };
  };

  const perUser = config.RATE_LIMIT_USER_ISSUE > 0 ? check('user', 'rl:issue', config.RATE_LIMIT_USER_ISSUE) : null;
  const perAddress = config.RATE_LIMIT_IP > 0 ? check('address', 'rl:ip', config.RATE_LIMIT_IP) : null;
  return {
    issue: perUser && ((res, userId) => perUser(res, userId, ISSUE_ROUTE)),
    perAddress: perAddress && (async (req, res, next) => {
      if (EXEMPT.test(req.path)) return next();
      await perAddress(res, addressKey(req.ip), routeTemplateOf(req.path));
      next();
    }),
  };
}

/** null when the request is allowed, else the ms until the key's window ends. Store errors reject. */
async function consume(limiter: RateLimiterRedis | RateLimiterMemory, key: string): Promise<number | null> {
  try {
    await limiter.consume(key);
    return null;
  } catch (outcome) {
    if (outcome instanceof RateLimiterRes) return outcome.msBeforeNext;
    throw outcome;
  }
}


/**
 * The limiter's key for a client address. IPv4-mapped IPv6 is read as IPv4; other IPv6
 * addresses count by their /64, the block one subscriber is usually given whole (else one
 * client would get 2^64 separate limits).
 */
export function addressKey(ip: string | undefined): string {
  if (!ip) return 'unknown';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return mapped[1]!;
  if (!ip.includes(':')) return ip.slice(0, 64);
  const [head = '', tail] = ip.split('%')[0]!.toLowerCase().split('::');
  const groups = (part: string) => (part ? part.split(':').flatMap((g) => (g.includes('.') ? ['0', '0'] : [g])) : []);
  const [first, last] = [groups(head), tail === undefined ? [] : groups(tail)];
  const zeros = tail === undefined ? [] : Array<string>(Math.max(0, 8 - first.length - last.length)).fill('0');
  const full = [...first, ...zeros, ...last];
  return `${full.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}
