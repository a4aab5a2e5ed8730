import { generateKeyPairSync } from 'node:crypto';
import { loadApiConfig } from '@coupon/api/config';
import { spawnApp } from '../support/processes';
import { freePort, waitForHttp } from '../support/net';
import { useTestEnv } from '../support/stack';

// API.md "AUTH_MODE": what the configuration must hold before the API starts, and the
// warning of trusted mode on a non-loopback address.
const SECRET = 's'.repeat(32);
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const pem = (key: typeof rsa.publicKey) => key.export({ type: 'spki', format: 'pem' }).toString();

const testEnv = useTestEnv();

describe('the configuration', () => {
  const refused = (vars: Record<string, string>) => {
    try {
      loadApiConfig(vars);
    } catch (error) {
      return (error as Error).message;
    }
    throw new Error(`accepted ${JSON.stringify(vars)}`);
  };

  it('refuses jwt without a key, naming every key source', () => {
    expect(refused({ AUTH_MODE: 'jwt' })).toMatch(/AUTH_MODE: jwt needs one of JWT_JWKS_URL, JWT_PUBLIC_KEY, JWT_SECRET/);
  });

  it('refuses two key sources at once, and lists that with every other problem', () => {
    const message = refused({ AUTH_MODE: 'jwt', JWT_SECRET: SECRET, JWT_JWKS_URL: 'https://id.example/jwks', JWT_ALGORITHMS: 'RS256,none', TRUST_PROXY: 'true', PORT: 'x' });
    expect(message).toMatch(/PORT: /);
    expect(message).toMatch(/set only one of JWT_JWKS_URL, JWT_SECRET/);
    expect(message).toMatch(/JWT_ALGORITHMS: none is not one of/);
    expect(message).toMatch(/JWT_ALGORITHMS: RS256 cannot be used with the configured key/);
    expect(message).toMatch(/TRUST_PROXY: trusting every address/);
  });

  it('pins algorithms to the key: no HMAC with a public key, no RSA with an EC key, none never', () => {
    expect(refused({ AUTH_MODE: 'jwt', JWT_PUBLIC_KEY: pem(rsa.publicKey), JWT_ALGORITHMS: 'RS256,HS256' })).toMatch(/HS256 cannot be used/);
    expect(refused({ AUTH_MODE: 'jwt', JWT_PUBLIC_KEY: pem(ec.publicKey), JWT_ALGORITHMS: 'RS256' })).toMatch(/RS256 cannot be used with the configured key \(ES256\)/);
    expect(refused({ AUTH_MODE: 'jwt', JWT_SECRET: SECRET, JWT_ALGORITHMS: 'none' })).toMatch(/none is not one of/);
    expect(loadApiConfig({ AUTH_MODE: 'jwt', JWT_PUBLIC_KEY: pem(ec.publicKey).replace(/\n/g, '\\n') }).AUTH_MODE).toBe('jwt');
  });

  it('refuses a private key, a secret shorter than 32 characters and a key that is not one', () => {
    const privatePem = rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(refused({ AUTH_MODE: 'jwt', JWT_PUBLIC_KEY: privatePem })).toMatch(/JWT_PUBLIC_KEY: is a private key/);
    expect(refused({ AUTH_MODE: 'jwt', JWT_SECRET: 'short' })).toMatch(/JWT_SECRET: must be at least 32 characters/);
    expect(refused({ AUTH_MODE: 'jwt', JWT_PUBLIC_KEY: 'not a key' })).toMatch(/JWT_PUBLIC_KEY/);
    expect(refused({ AUTH_MODE: 'jwt', JWT_PUBLIC_KEY: '{"kty":"oct","k":"c2VjcmV0"}' })).toMatch(/JWT_PUBLIC_KEY: is not a public JWK/);
  });

  it('refuses a JWT setting in trusted mode, where it would silently verify nothing', () => {
    expect(refused({ JWT_SECRET: SECRET })).toMatch(/JWT_SECRET: is set but AUTH_MODE is trusted/);
    expect(refused({ JWT_ISSUER: 'https://id.example' })).toMatch(/JWT_ISSUER: is set but AUTH_MODE is trusted/);
    expect(loadApiConfig({ JWT_SECRET: '', JWT_ISSUER: '' }).AUTH_MODE).toBe('trusted'); // `NAME=` is unset
  });

  it('reads TRUST_PROXY as a hop count or a list of proxies, and refuses what proxy-addr cannot read', () => {
    expect(loadApiConfig({ TRUST_PROXY: '1' }).TRUST_PROXY).toBe('1');
    expect(loadApiConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8' }).TRUST_PROXY).toBe('loopback, 10.0.0.0/8');
    expect(refused({ TRUST_PROXY: '10.0.0.300' })).toMatch(/TRUST_PROXY/);
  });
});

describe('start-up', () => {
  it('fails with the list of problems when jwt has no key', async () => {
    const api = spawnApp('api', { ...testEnv().vars, PORT: String(await freePort()), AUTH_MODE: 'jwt', JWT_ISSUER: 'x' });
    expect(await api.exited).toBe(1);
    expect(api.output()).toMatch(/invalid configuration:[\s\S]*AUTH_MODE: jwt needs one of/);
  }, 60_000);

  it('warns in trusted mode on a non-loopback address, and not on loopback or in jwt mode', async () => {
    const warning = /AUTH_MODE=trusted on a non-loopback address/;
    for (const [vars, warns] of [
      [{ HOST: '0.0.0.0' }, true],
      [{ HOST: '127.0.0.1' }, false],
      [{ HOST: '0.0.0.0', AUTH_MODE: 'jwt', JWT_SECRET: SECRET }, false],
    ] as const) {
      const port = await freePort();
      const api = spawnApp('api', { ...testEnv().vars, ...vars, PORT: String(port), LOG_LEVEL: 'warn' });
      try {
        await waitForHttp(`http://127.0.0.1:${port}/healthz`, api);
      } finally {
        await api.kill();
      }
      expect({ vars, warns: warning.test(api.output()) }).toEqual({ vars, warns });
    }
  }, 120_000);
});
