import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, exportSPKI, generateKeyPair, type CryptoKey, type JWK } from 'jose';

// Test-side identity provider: signing keys, a JWKS served over real HTTP, token minting.

export const ISSUER = 'https://id.test.example';
export const AUDIENCE = 'coupon-api';
export const ACT_AS_USER = 'coupons:act-as-user';

export interface SigningKey {
  kid: string;
  alg: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
  /** SPKI PEM of the public key. */
  publicPem: string;
}

export async function signingKey(kid: string, alg: 'RS256' | 'ES256' | 'EdDSA' = 'RS256'): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { kid, alg, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' }, publicPem: await exportSPKI(publicKey) };
}

export interface TokenOptions {
  sub?: string | null;
  scope?: string;
  claims?: Record<string, unknown>;
  iss?: string | null;
  aud?: string | null;
  /** Seconds from now; null leaves `exp` out. */
  expiresIn?: number | null;
  /** Seconds from now. */
  notBefore?: number;
  kid?: string;
}

const now = () => Math.floor(Date.now() / 1000);

/** A token signed with `key` (its kid and alg unless overridden), valid for a minute by default. */
export function mint(key: SigningKey | { secret: Uint8Array; alg: string; kid?: string }, options: TokenOptions = {}): Promise<string> {
  const claims: Record<string, unknown> = { ...options.claims };
  if (options.scope !== undefined) claims.scope = options.scope;
  const jwt = new SignJWT(claims).setProtectedHeader({ alg: key.alg, kid: options.kid ?? key.kid }).setIssuedAt();
  if (options.sub !== null) jwt.setSubject(options.sub ?? 'alice');
  if (options.iss !== null) jwt.setIssuer(options.iss ?? ISSUER);
  if (options.aud !== null) jwt.setAudience(options.aud ?? AUDIENCE);
  if (options.expiresIn !== null) jwt.setExpirationTime(now() + (options.expiresIn ?? 60));
  if (options.notBefore !== undefined) jwt.setNotBefore(now() + options.notBefore);
  return jwt.sign('secret' in key ? key.secret : key.privateKey);
}

const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** An unsecured token (`alg: none`), as RFC 7519 §6 spells it: empty signature. */
export function unsecured(payload: Record<string, unknown>): string {
  return `${b64({ alg: 'none', typ: 'JWT' })}.${b64(payload)}.`;
}

/** Standard claims for a hand-built token: valid for a minute. */
export function claimsFor(sub: string, extra: Record<string, unknown> = {}) {
  return { sub, iss: ISSUER, aud: AUDIENCE, iat: now(), exp: now() + 60, ...extra };
}

/** A JWKS endpoint on a loopback port: `keys` can be swapped (rotation), the server stopped and started. */
export interface JwksServer {
  url: string;
  keys: JWK[];
  /** How many times the API fetched the set. */
  fetches: number;
  stop(): Promise<void>;
  start(): Promise<void>;
}

export async function startJwksServer(keys: JWK[]): Promise<JwksServer> {
  let server: Server | null = null;
  let port = 0;
  const self: JwksServer = {
    url: '',
    keys,
    fetches: 0,
    async start() {
      if (server) return;
      server = createServer((req, res) => {
        self.fetches += 1;
        if (req.url !== '/.well-known/jwks.json') return void res.writeHead(404).end();
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: self.keys }));
      });
      await new Promise<void>((resolve) => server!.listen(port, '127.0.0.1', resolve));
      port = (server.address() as AddressInfo).port;
      self.url = `http://127.0.0.1:${port}/.well-known/jwks.json`;
    },
    async stop() {
      const running = server;
      server = null;
      if (!running) return;
      running.closeAllConnections();
      await new Promise<void>((resolve) => running.close(() => resolve()));
    },
  };
  await self.start();
  return self;
}

export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
