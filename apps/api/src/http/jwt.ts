import {
  createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey, type JWTVerifyOptions, type JWTVerifyResult,
} from 'jose';
import { DomainError } from '@coupon/domain';
import type { Logger } from '@coupon/runtime';
import type { ApiConfig } from '../config';
import {
  ASYMMETRIC_ALGORITHMS, HMAC_ALGORITHMS, algorithmsForPublicKey, parseAlgorithmList, parsePublicKey,
} from './jwt-keys';
import { TokenCache } from './token-cache';

/** The scope that lets a token (a backend's) act for any user. */
export const ACT_AS_USER = 'coupons:act-as-user';

/** Who a verified token speaks for. */
export interface Caller {
  sub: string;
  actsForAnyone: boolean;
}

/** A token that does not verify: 401 with `error="invalid_token"`; `reason` is safe to show. */
export class TokenRejected extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'TokenRejected';
  }
}

// The key source itself failed (the JWKS could not be fetched or read): not the token's fault.
class KeySourceFailed extends Error {}

// What the JWKS lookup may say about the token rather than about the key source.
const TOKEN_FAULTS = new Set(['ERR_JWKS_NO_MATCHING_KEY', 'ERR_JWKS_MULTIPLE_MATCHING_KEYS', 'ERR_JOSE_NOT_SUPPORTED']);
const TOKEN_CACHE_MAX_AGE_MS = 60_000;
const JWKS_TIMEOUT_MS = 5_000;

export type TokenVerifier = (token: string) => Promise<Caller>;

/** Verifies user tokens with jose against the one configured key source (config.ts made sure there is one). */
export function createTokenVerifier(config: ApiConfig, log: Logger): TokenVerifier {
  const { verify, algorithms, maxAgeMs } = keySource(config);
  const options: JWTVerifyOptions = {
    algorithms,
    issuer: config.JWT_ISSUER,
    audience: config.JWT_AUDIENCE,
    clockTolerance: config.JWT_CLOCK_TOLERANCE_SECONDS,
    // a token without an expiry would be good forever
    requiredClaims: ['exp', 'sub'],
  };
  const cache = new TokenCache<Caller>(config.JWT_TOKEN_CACHE_SIZE, Math.min(TOKEN_CACHE_MAX_AGE_MS, maxAgeMs));
  let lastWarning = 0;

  return async (token) => {
    const cached = cache.get(token);
    if (cached) return cached;
    let payload: JWTPayload;
    try {
      ({ payload } = await verify(token, options));
    } catch (error) {
      if (!(error instanceof KeySourceFailed)) throw new TokenRejected(describe(error));
      if (Date.now() - lastWarning > 10_000) {
        lastWarning = Date.now();
        log.warn({ err: error.cause, url: config.JWT_JWKS_URL }, 'JWKS cannot be fetched; user requests answer 503');
      }
      throw new DomainError('service_unavailable', 'the keys that verify user tokens cannot be fetched; retry shortly');
    }
    if (typeof payload.sub !== 'string' || payload.sub === '') throw new TokenRejected('the token has no subject');
    const caller = { sub: payload.sub, actsForAnyone: scopesOf(payload).includes(ACT_AS_USER) };
    cache.set(token, caller, payload.exp! * 1000);
    return caller;
  };
}

interface KeySource {
  verify(token: string, options: JWTVerifyOptions): Promise<JWTVerifyResult>;
  algorithms: string[];
  /** How long a token verified with it may be remembered at most. */
  maxAgeMs: number;
}

function keySource(config: ApiConfig): KeySource {
  const chosen = parseAlgorithmList(config.JWT_ALGORITHMS);
  if (config.JWT_SECRET !== undefined) {
    const secret = new TextEncoder().encode(config.JWT_SECRET);
    return { verify: (token, options) => jwtVerify(token, secret, options), algorithms: chosen ?? [...HMAC_ALGORITHMS], maxAgeMs: Infinity };
  }
  if (config.JWT_PUBLIC_KEY !== undefined) {
    const key = parsePublicKey(config.JWT_PUBLIC_KEY);
    return { verify: (token, options) => jwtVerify(token, key, options), algorithms: chosen ?? algorithmsForPublicKey(key), maxAgeMs: Infinity };
  }
  const remote = createRemoteJWKSet(new URL(config.JWT_JWKS_URL!), {
    cacheMaxAge: config.JWT_JWKS_CACHE_MS,
    cooldownDuration: config.JWT_JWKS_COOLDOWN_MS,
    timeoutDuration: JWKS_TIMEOUT_MS,
  });
  const key: JWTVerifyGetKey = async (header, token) => {
    try {
      return await remote(header, token);
    } catch (error) {
      if (error instanceof errors.JOSEError && TOKEN_FAULTS.has(error.code)) throw error;
      throw new KeySourceFailed('JWKS unavailable', { cause: error });
    }
  };
  // a verified token must not outlive, in the cache, the JWKS its key came from
  return { verify: (token, options) => jwtVerify(token, key, options), algorithms: chosen ?? [...ASYMMETRIC_ALGORITHMS], maxAgeMs: config.JWT_JWKS_CACHE_MS };
}

/** `scope` (RFC 8693/9068: space-separated) or `scp` (some providers: an array or a string). */
export function scopesOf(payload: JWTPayload): string[] {
  return [payload.scope, payload.scp].flatMap((value) => {
    if (typeof value === 'string') return value.split(' ');
    if (Array.isArray(value)) return value.filter((s): s is string => typeof s === 'string');
    return [];
  });
}

function describe(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'the token has expired';
  if (error instanceof errors.JWTClaimValidationFailed) {
    return error.claim === 'nbf' ? 'the token is not valid yet' : `the token's "${error.claim}" claim is missing or not accepted`;
  }
  if (error instanceof errors.JOSEAlgNotAllowed) return "the token's algorithm is not accepted";
  if (error instanceof errors.JWSSignatureVerificationFailed || error instanceof errors.JWKSNoMatchingKey) {
    return "the token's signature does not verify with the configured keys";
  }
  return 'the token is malformed';
}
