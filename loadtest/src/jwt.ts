// The identity provider of the peak-jwt phase: an RS256 key the jwt API verifies with
// (JWT_PUBLIC_KEY), and user tokens signed before the load so that signing is not measured.
//
// RS256 because its verification is the cheapest of the asymmetric algorithms (RSA verify
// with e = 65537 is a few multiplications): measured with jose 6 on this machine, CPU per
// verify with 100 in flight, RS256 ~77 µs, ES256 ~98 µs, EdDSA ~130 µs (HS256 ~61 µs, but a
// shared secret must then live in every API process and the issuer).
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';

export const JWT_ISSUER = 'https://bench-idp.invalid';
export const JWT_AUDIENCE = 'coupon-api';

export interface BenchSigner {
  /** SPKI PEM for the API's JWT_PUBLIC_KEY. */
  publicPem: string;
  /** Tokens for `${userTag}-0` … `${userTag}-${count - 1}`, in that order. */
  tokens(userTag: string, count: number): string[];
  token(sub: string): string;
}

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

export function createSigner(): BenchSigner {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const header = b64({ alg: 'RS256', typ: 'JWT', kid: 'bench' });
  const token = (sub: string) => signToken(privateKey, header, sub);
  return {
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    token,
    tokens: (userTag, count) => Array.from({ length: count }, (_, i) => token(`${userTag}-${i}`)),
  };
}

function signToken(key: KeyObject, header: string, sub: string): string {
  const now = Math.floor(Date.now() / 1000);
  const input = `${header}.${b64({ sub, iss: JWT_ISSUER, aud: JWT_AUDIENCE, iat: now, exp: now + 3600 })}`;
  return `${input}.${sign('sha256', Buffer.from(input), key).toString('base64url')}`;
}
