import { Writable } from 'node:stream';
import supertest from 'supertest';
import { createLogger } from '@coupon/runtime';
import { createRequestListener } from '@coupon/api/app';
import { loadApiConfig } from '@coupon/api/config';
import { closeApiContext, createApiContext } from '@coupon/api/context';
import { loadWorkerConfig } from '@coupon/worker/config';
import { useTestEnv } from './support/stack';

const testEnv = useTestEnv();

describe('configuration', () => {
  it('reports every problem of the environment at once, by name', () => {
    const attempt = () => loadApiConfig({ PORT: 'x', DATABASE_URL: 'mysql://h/db', ADMIN_TOKEN: 'short', APP_TIMEZONE: 'Mars/Base' });
    expect(attempt).toThrow(/PORT/);
    expect(attempt).toThrow(/DATABASE_URL/);
    expect(attempt).toThrow(/ADMIN_TOKEN/);
    expect(attempt).toThrow(/APP_TIMEZONE/);
    expect(() => loadWorkerConfig({ BATCH_SIZE: '0', QUEUE_PREFIX: 'no-braces' })).toThrow(/BATCH_SIZE[\s\S]*QUEUE_PREFIX|QUEUE_PREFIX[\s\S]*BATCH_SIZE/);
  });
});

describe('request logging', () => {
  it('honours X-Request-Id, echoes it, and never logs the Authorization header', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const ctx = createApiContext(loadApiConfig({ ...testEnv().vars, LOG_LEVEL: 'info' }));
    ctx.log = createLogger('api', 'info', sink);
    try {
      const http = supertest(createRequestListener(ctx));
      const res = await http.get('/v1/coupons/12345').set('X-Request-Id', 'trace-me-42').set('Authorization', 'Bearer super-secret-token');
      expect(res.headers['x-request-id']).toBe('trace-me-42');
      const generated = await http.get('/v1/coupons/12345');
      expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
      const log = lines.join('');
      expect(log).toContain('trace-me-42');
      expect(log).toContain('[redacted]');
      expect(log).not.toContain('super-secret-token');
    } finally {
      await closeApiContext(ctx);
    }
  });
});
