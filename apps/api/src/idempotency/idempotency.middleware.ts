import { createHash, randomUUID } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import { DomainError, validationError } from '@coupon/domain';
import { crashAt, type Logger } from '@coupon/runtime';
import type { ApiContext } from '../context';
import { tokenFromHeader } from '../http/auth';
import { isBackendUnavailable } from '../http/problem';
import {
  claimKey, completeKey, fingerprintOf, idempotencyRecordKey, releaseKey, renewKey, type Claim, type StoredResponse,
} from './idempotency.store';

// API.md "Retries: Idempotency-Key". The first request with a key leases it in Redis, is
// processed, and its response is recorded (kept 24 h); a retry with the same body gets that
// response again. The lease is renewed while the request runs, so a slow request keeps its
// key and a process that dies mid-request frees it within IDEMPOTENCY_LEASE_MS.

/** 1–255 visible ASCII characters; two header lines are joined with ", " and so refused. */
const VALID_KEY = /^[\x21-\x7E]{1,255}$/;

/** Who is retrying: part of the key's scope, so one caller's key never answers another. */
export type CallerOf = (req: Request) => string;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** Admin routes: the admin token, hashed (the token itself never reaches Redis). */
export const adminCaller: CallerOf = (req) => `admin:${sha256(tokenFromHeader(req.headers.authorization) ?? '')}`;
/** User routes: the user named in the path. */
export const userCaller: CallerOf = (req) => `user:${String(req.params.userId)}`;

/** Route middleware; runs after authentication, so a 401 never touches a key. */
export function idempotent(ctx: ApiContext, callerOf: CallerOf): RequestHandler {
  const { IDEMPOTENCY_LEASE_MS: leaseMs } = ctx.config;
  return async (req, res, next) => {
    const key = req.headers['idempotency-key'];
    if (key === undefined) return next();
    if (typeof key !== 'string' || !VALID_KEY.test(key)) {
      throw validationError([{ path: 'Idempotency-Key', message: 'must be 1-255 visible ASCII characters' }], 'the Idempotency-Key header is not valid');
    }
    const route = `${req.method} ${req.baseUrl}${String(req.route?.path ?? req.path)}`;
    const record = idempotencyRecordKey({ route, params: { ...req.params }, caller: callerOf(req) }, key);
    const fingerprint = fingerprintOf(req);
    const token = randomUUID();
    const claim = await claimKey(ctx.redis, record, token, fingerprint, leaseMs).catch(unavailable);
    if (claim.kind !== 'claimed') return answerFromRecord(res, claim, fingerprint);
    // the crash test: the key stays leased by a dead process
    await crashAt('after-idempotency-claim', ctx.config.FAULT_CRASH_AT);

    const lease = holdLease(ctx, record, token, req.log ?? ctx.log);
    interceptResponse(res, async (response) => {
      lease.stop();
      await settleKey(ctx, { record, token, fingerprint }, response).catch((err: unknown) => {
        // the work is done and its response goes out regardless; only a retry after the
        // lease lapses would be processed again
        (req.log ?? ctx.log).error({ err }, 'idempotency record not written');
      });
    });
    next();
  };
}

function unavailable(error: unknown): never {
  // the promise of the header cannot be kept without Redis: refuse rather than risk doing it twice
  if (isBackendUnavailable(error)) throw new DomainError('service_unavailable', 'Idempotency-Key cannot be honoured while Redis is unavailable; retry shortly');
  throw error;
}

function answerFromRecord(res: Response, claim: Exclude<Claim, { kind: 'claimed' }>, fingerprint: string): void {
  if (claim.fingerprint !== fingerprint) {
    throw new DomainError('idempotency_key_reused', 'this Idempotency-Key was first used with another body; use a new key for a new request');
  }
  if (claim.kind === 'in-progress') {
    throw new DomainError('idempotency_key_in_use', 'the first request with this Idempotency-Key is still being processed; retry shortly');
  }
  const { response } = claim;
  res.status(response.status).setHeader('Idempotent-Replayed', 'true');
  if (response.contentType) res.setHeader('Content-Type', response.contentType);
  if (response.location) res.setHeader('Location', response.location);
  if (response.etag) res.setHeader('ETag', response.etag);
  res.send(response.body);
}

/** 5xx and 401 are not kept (API.md): the key is given up and a retry is processed afresh. */
async function settleKey(
  ctx: ApiContext, lease: { record: string; token: string; fingerprint: string }, response: StoredResponse,
): Promise<void> {
  if (response.status >= 500 || response.status === 401) {
    await releaseKey(ctx.redis, lease.record, lease.token);
    return;
  }
  const outcome = await completeKey(ctx.redis, lease.record, lease.token, lease.fingerprint, response, ctx.config.IDEMPOTENCY_TTL_SECONDS);
  if (outcome === 0) ctx.log.warn('idempotency lease lost to another request before the response was recorded');
}

/** Renews the lease every third of its length until stopped. */
function holdLease(ctx: ApiContext, record: string, token: string, log: Logger) {
  const { IDEMPOTENCY_LEASE_MS: leaseMs } = ctx.config;
  const timer = setInterval(() => {
    renewKey(ctx.redis, record, token, leaseMs).then(
      (renewed) => {
        if (renewed) return;
        clearInterval(timer);
        log.warn('idempotency lease lost while the request was running');
      },
      () => {}, // Redis unreachable: the next tick tries again, the lease may lapse meanwhile
    );
  }, Math.max(50, Math.floor(leaseMs / 3)));
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

/**
 * Holds the response back until it is recorded, so that a client that retries as soon as it
 * has its answer finds the record and never a key still "in use". Every response of these
 * routes ends with one res.end carrying the whole body (res.json through res.send, and the
 * problem handler directly), with its status and headers already set.
 */
function interceptResponse(res: Response, record: (response: StoredResponse) => Promise<void>): void {
  const end = res.end.bind(res) as (...args: unknown[]) => Response;
  let seen = false;
  res.end = ((...args: unknown[]) => {
    const [body] = args;
    if (seen || (typeof body !== 'string' && !Buffer.isBuffer(body))) return end(...args);
    seen = true;
    const header = (name: string) => (res.getHeader(name) === undefined ? null : String(res.getHeader(name)));
    const response: StoredResponse = {
      status: res.statusCode,
      contentType: header('content-type'),
      location: header('location'),
      etag: header('etag'),
      body: typeof body === 'string' ? body : body.toString('utf8'),
    };
    void record(response).finally(() => end(...args));
    return res;
  }) as Response['end'];
}
