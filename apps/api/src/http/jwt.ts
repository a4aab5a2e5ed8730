import { KeyObject } from 'node:crypto';
import { TokenError, createVerifier, type Algorithm } from 'fast-jwt';
import { createRemoteJWKSet, errors } from 'jose';
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

/**
 * Verifies user tokens against the one configured key source (config.ts made sure there is
 * one). fast-jwt checks the signature with node:crypto, synchronously: jose 6 goes through
 * WebCrypto, which measured 2.7× the CPU for RS256 and 10× for HS256 (loadtest/RESULTS.md,
 * "peak-jwt"). jose still fetches, caches and rotates the JWKS.
 */
export function createTokenVerifier(config: ApiConfig, log: Logger): TokenVerifier {
  const { verify, maxAgeMs } = keySource(config);
  const cache = new TokenCache<Caller>(config.JWT_TOKEN_CACHE_SIZE, Math.min(TOKEN_CACHE_MAX_AGE_MS, maxAgeMs));
  let lastWarning = 0;

  return async (token) => {
    const cached = cache.get(token);
    if (cached) return cached;
    let payload: Claims;
    try {
      payload = await verify(token);
    } catch (error) {
      const source = keySourceFailure(error);
      if (!source) throw new TokenRejected(describe(error));
      if (Date.now() - lastWarning > 10_000) {
        lastWarning = Date.now();
        log.warn({ err: source.cause, url: config.JWT_JWKS_URL }, 'JWKS cannot be fetched; user requests answer 503');
      }
      throw new DomainError('service_unavailable', 'the keys that verify user tokens cannot be fetched; retry shortly');
    }
    if (typeof payload.sub !== 'string' || payload.sub === '') throw new TokenRejected('the token has no subject');
    const caller = { sub: payload.sub, actsForAnyone: scopesOf(payload).includes(ACT_AS_USER) };
    cache.set(token, caller, Number(payload.exp) * 1000);
    return caller;
  };
}

type Claims = Record<string, unknown>;

interface KeySource {
  verify(token: string): Claims | Promise<Claims>;
  /** How long a token verified with it may be remembered at most. */
  maxAgeMs: number;
}

function keySource(config: ApiConfig): KeySource {
  const chosen = parseAlgorithmList(config.JWT_ALGORITHMS);
  const options = {
    allowedIss: config.JWT_ISSUER,
    allowedAud: config.JWT_AUDIENCE,
    clockTolerance: config.JWT_CLOCK_TOLERANCE_SECONDS * 1000,
    // a token without an expiry would be good forever; a configured issuer or audience must be named
    requiredClaims: ['exp', 'sub', ...(config.JWT_ISSUER ? ['iss'] : []), ...(config.JWT_AUDIENCE ? ['aud'] : [])],
    cache: false, // TokenCache remembers verified tokens, bounded by the JWKS's age
  };
  const verifierFor = (key: string | Buffer, allowed: readonly string[]) =>
    createVerifier({ ...options, key, algorithms: pinned(chosen, allowed) as Algorithm[] });
  if (config.JWT_SECRET !== undefined) {
    return { verify: verifierFor(Buffer.from(config.JWT_SECRET), HMAC_ALGORITHMS), maxAgeMs: Infinity };
  }
  if (config.JWT_PUBLIC_KEY !== undefined) {
    const key = parsePublicKey(config.JWT_PUBLIC_KEY);
    return { verify: verifierFor(pem(key), algorithmsForPublicKey(key)), maxAgeMs: Infinity };
  }
  // a verified token must not outlive, in the cache, the JWKS its key came from
  return { verify: jwksVerifier(config, chosen ?? [...ASYMMETRIC_ALGORITHMS], verifierFor), maxAgeMs: config.JWT_JWKS_CACHE_MS };
}

/** Each JWKS key gets a verifier of its own, pinned to the algorithms of its type. */
function jwksVerifier(
  config: ApiConfig,
  accepted: string[],
  verifierFor: (key: string, allowed: readonly string[]) => (token: string) => Claims,
) {
  const remote = createRemoteJWKSet(new URL(config.JWT_JWKS_URL!), {
    cacheMaxAge: config.JWT_JWKS_CACHE_MS,
    cooldownDuration: config.JWT_JWKS_COOLDOWN_MS,
    timeoutDuration: JWKS_TIMEOUT_MS,
  });
  const verifiers = new WeakMap<object, (token: string) => Claims>();
  return async (token: string): Promise<Claims> => {
    const header = decodeHeader(token);
    // before any key is looked for: a JWKS only ever holds public keys (never `none` or HMAC)
    if (!header.alg || !accepted.includes(header.alg)) throw new TokenRejected("the token's algorithm is not accepted");
    let found: CryptoKey | Uint8Array;
    try {
      found = await remote(header, { payload: {}, signature: '' } as never) as CryptoKey;
    } catch (error) {
      if (error instanceof errors.JOSEError && TOKEN_FAULTS.has(error.code)) throw error;
      throw new KeySourceFailed('JWKS unavailable', { cause: error });
    }
    let verify = verifiers.get(found);
    if (!verify) {
      const key = KeyObject.from(found as CryptoKey);
      verify = verifierFor(pem(key), algorithmsForPublicKey(key));
      verifiers.set(found, verify);
    }
    return verify(token);
  };
}

/** The algorithms a key is used with: those of its kind, narrowed by JWT_ALGORITHMS; never `none`. */
function pinned(chosen: string[] | undefined, allowed: readonly string[]): string[] {
  const algorithms = (chosen ?? [...allowed]).filter((a) => allowed.includes(a) && FAST_JWT_ALGORITHMS.has(a));
  // an empty list would let fast-jwt take the token's word for it: refuse everything instead
  return algorithms.length ? algorithms : ['none-accepted'];
}

const FAST_JWT_ALGORITHMS = new Set(['HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA']);

const pem = (key: KeyObject) => String(key.export({ type: 'spki', format: 'pem' }));

/** The protected header, for picking the JWKS key; a token that has none is malformed. */
function decodeHeader(token: string): { alg?: string; kid?: string } {
  try {
    return JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString('utf8')) as { alg?: string; kid?: string };
  } catch {
    throw new TokenRejected('the token is malformed');
  }
}

function keySourceFailure(error: unknown): KeySourceFailed | null {
  if (error instanceof KeySourceFailed) return error;
  const original = (error as { originalError?: unknown })?.originalError;
  return original instanceof KeySourceFailed ? original : null;
}

/** `scope` (RFC 8693/9068: space-separated) or `scp` (some providers: an array or a string). */
export function scopesOf(payload: Claims): string[] {
  return [payload.scope, payload.scp].flatMap((value) => {
    if (typeof value === 'string') return value.split(' ');
    if (Array.isArray(value)) return value.filter((s): s is string => typeof s === 'string');
    return [];
  });
}

function describe(error: unknown): string {
  if (error instanceof TokenRejected) return error.reason;
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) {
    return "the token's signature does not verify with the configured keys";
  }
  const code = (error as { code?: string })?.code;
  const claim = /\b(iss|aud|sub|exp|nbf|iat|jti)\b/.exec(String((error as Error)?.message))?.[1] ?? 'a';
  switch (code) {
    case TokenError.codes.expired:
      return 'the token has expired';
    case TokenError.codes.inactive:
      return 'the token is not valid yet';
    case TokenError.codes.invalidAlgorithm:
      return "the token's algorithm is not accepted";
    case TokenError.codes.invalidSignature:
      return "the token's signature does not verify with the configured keys";
    case TokenError.codes.missingRequiredClaim:
    case TokenError.codes.invalidClaimValue:
    case TokenError.codes.invalidClaimType:
      return `the token's "${claim}" claim is missing or not accepted`;
    default:
      return 'the token is malformed';
  }
}
