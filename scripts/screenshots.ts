// `pnpm exec tsx scripts/screenshots.ts`: screenshots of /docs and /admin/queues into
// docs/screenshots/, taken with Debian's Chromium against an API started in this process on a
// throwaway database and Redis key prefix of its own (dropped afterwards). No worker runs, so
// the issuances made here wait in the queue where Bull Board shows them.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import pg from 'pg';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { z } from 'zod';
import { createDb, migrateToLatest } from '@coupon/db';
import { deleteKeysMatching, redisReady } from '../packages/runtime/src';
import { createApp } from '../apps/api/src/app';
import { loadApiConfig } from '../apps/api/src/config';
import { closeApiContext, createApiContext } from '../apps/api/src/context';

const env = z
  .object({
    /** A server where this script may create and drop a database of its own. */
    DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).default('postgres://postgres@127.0.0.1:5432/postgres'),
    REDIS_URL: z.url({ protocol: /^rediss?$/ }).default('redis://127.0.0.1:6379'),
    CHROMIUM_PATH: z.string().default('/usr/bin/chromium'),
  })
  .parse(process.env);

const OUT_DIR = path.resolve(__dirname, '..', 'docs', 'screenshots');
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

async function main(): Promise<void> {
  if (!existsSync(env.CHROMIUM_PATH)) {
    console.error(`[screenshots] no Chromium at ${env.CHROMIUM_PATH}. On Debian: apt-get update && apt-get install -y chromium`);
    process.exit(1);
  }
  const name = `coupon_shots_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const token = randomBytes(16).toString('hex');
  const cleanups: Array<() => Promise<unknown>> = [];
  try {
    await withAdmin((c) => c.query(`CREATE DATABASE "${name}"`));
    cleanups.unshift(() => dropDatabase(name));
    const databaseUrl = await migrate(name);

    const ctx = createApiContext(loadApiConfig({
      DATABASE_URL: databaseUrl,
      REDIS_URL: env.REDIS_URL,
      REDIS_KEY_PREFIX: `${name}:`,
      QUEUE_PREFIX: `{${name}-bull}`,
      ADMIN_TOKEN: token,
      API_PROCESSES: '1',
      LOG_LEVEL: 'warn',
      MIGRATE_ON_START: 'false',
    }));
    cleanups.unshift(() => closeApiContext(ctx));
    cleanups.unshift(() => deleteKeysMatching(ctx.queueConnection, [`${name}:*`, `{${name}-bull}*`]));
    // both connections fail fast rather than queue commands while they connect
    await Promise.all([redisReady(ctx.redis), redisReady(ctx.queueConnection)]);

    const server = createServer(createApp(ctx));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.unshift(() => close(server));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    await seed(base, token);

    const browser = await chromium.launch({ executablePath: env.CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
    cleanups.unshift(() => browser.close());
    mkdirSync(OUT_DIR, { recursive: true });
    await shoot(browser, base, token);
  } finally {
    for (const cleanup of cleanups) await cleanup().catch((err: unknown) => console.error('[screenshots] cleanup:', err));
  }
}

async function migrate(name: string): Promise<string> {
  const url = new URL(env.DATABASE_URL);
  url.pathname = `/${name}`;
  const db = createDb(url.toString(), { max: 1 });
  try {
    await migrateToLatest(db);
  } finally {
    await db.destroy();
  }
  return url.toString();
}

function dropDatabase(name: string) {
  return withAdmin((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
}

async function withAdmin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: env.DATABASE_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** A coupon open now and a few issuances, which wait in the queue since no worker runs. */
async function seed(base: string, token: string): Promise<void> {
  const post = async (url: string, body: object, headers: Record<string, string> = {}) => {
    const res = await fetch(`${base}${url}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`POST ${url}: ${res.status} ${await res.text()}`);
    return res.json() as Promise<{ id: number }>;
  };
  const now = Date.now();
  const coupon = await post('/v1/coupons', {
    name: 'Spring sale',
    type: 'limited',
    count: 100,
    startDate: new Date(now - 3600_000).toISOString(),
    endDate: new Date(now + 7 * 24 * 3600_000).toISOString(),
    expireMinute: 7200,
    discountType: 'percent',
    discountAmount: 50,
  }, { Authorization: `Bearer ${token}` });
  for (const userId of ['user_1001', 'user_1002', 'user_1003', 'user_1004', 'user_1005']) {
    await post(`/v1/coupons/${coupon.id}/issuances`, { userId });
  }
}

async function shoot(browser: Browser, base: string, token: string): Promise<void> {
  const context = await browser.newContext({
    viewport: { width: 1440, height: 900 },
    httpCredentials: { username: 'admin', password: token },
  });
  // Nothing leaves the machine: the pages must work without the internet (Bull Board links a web
  // font, which then falls back to a local one).
  await context.route((url) => url.hostname !== '127.0.0.1', (route) => route.abort());
  const page = await context.newPage();

  await page.goto(`${base}/docs`);
  await page.locator('.swagger-ui .information-container .title').waitFor();
  await page.locator('.swagger-ui .opblock').first().waitFor();
  await save(page, 'docs.png', { fullPage: true });
  // one operation opened: parameters, body, and every response with its problem codes
  const issue = page.locator('#operations-Issuance-post_v1_coupons__couponId__issuances');
  await issue.locator('.opblock-summary-control').click();
  await issue.locator('.responses-table').first().waitFor();
  await save(issue, 'docs-issuance.png');

  await page.goto(`${base}/admin/queues`);
  // the queue cards, with their job counts, come after the app's lazy chunks and first poll
  await page.getByText(/^\d+ Jobs$/).nth(1).waitFor();
  await save(page, 'bull-board.png');
  await page.goto(`${base}/admin/queues/queue/issuance?status=waiting`);
  await page.getByText('persist-issuance').first().waitFor();
  await save(page, 'bull-board-issuance.png');
  await context.close();
}

async function save(target: Page | Locator, file: string, options: { fullPage?: boolean } = {}): Promise<void> {
  const out = path.join(OUT_DIR, file);
  await target.screenshot({ path: out, ...options });
  console.log(`[screenshots] ${path.relative(process.cwd(), out)}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
