import { createPublicKey, type KeyObject } from 'node:crypto';

// Which JWS algorithms a verification key may be used with. The algorithm is pinned by the
// key, never taken from the token alone: an HMAC algorithm is only ever tried with a shared
// secret, an asymmetric one only with a public key of its own type, and `none` never.

export const HMAC_ALGORITHMS = ['HS256', 'HS384', 'HS512'] as const;
export const ASYMMETRIC_ALGORITHMS = [
  'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519',
] as const;
export const JWS_ALGORITHMS = [...HMAC_ALGORITHMS, ...ASYMMETRIC_ALGORITHMS] as const;
export type JwsAlgorithm = (typeof JWS_ALGORITHMS)[number];

const RSA: JwsAlgorithm[] = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'];
const EC_CURVES: Record<string, JwsAlgorithm> = { prime256v1: 'ES256', secp384r1: 'ES384', secp521r1: 'ES512' };

/**
 * JWT_PUBLIC_KEY as a key object: a PEM public key (SPKI; `\n` escapes allowed, as env files
 * write them) or a public JWK in JSON. Private keys and shared secrets are refused: the API
 * only ever verifies.
 */
export function parsePublicKey(text: string): KeyObject {
  const value = text.trim().replace(/\\n/g, '\n');
  if (/PRIVATE KEY/.test(value)) throw new Error('is a private key: give the public key only');
  let key: KeyObject;
  if (value.startsWith('{')) {
    const jwk = JSON.parse(value) as { kty?: string; d?: unknown };
    if (jwk.kty === 'oct' || jwk.d !== undefined) throw new Error('is not a public JWK (use JWT_SECRET for a shared secret)');
    key = createPublicKey({ key: jwk as never, format: 'jwk' });
  } else {
    key = createPublicKey(value);
  }
  if (algorithmsForPublicKey(key).length === 0) throw new Error(`has an unsupported key type (${key.asymmetricKeyType})`);
  return key;
}

/** The algorithms a public key can verify: RSA → RS256…PS512, an EC curve → its ES algorithm, Ed25519 → EdDSA. */
export function algorithmsForPublicKey(key: KeyObject): JwsAlgorithm[] {
  switch (key.asymmetricKeyType) {
    case 'rsa':
    case 'rsa-pss':
      return RSA;
    case 'ec': {
      const alg = EC_CURVES[String(key.asymmetricKeyDetails?.namedCurve)];
      return alg ? [alg] : [];
    }
    case 'ed25519':
      return ['EdDSA', 'Ed25519'];
    default:
      return [];
  }
}

/** JWT_ALGORITHMS: a comma-separated list, or undefined for "every algorithm the key allows". */
export function parseAlgorithmList(text: string | undefined): string[] | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  return text.split(',').map((a) => a.trim()).filter(Boolean);
}
