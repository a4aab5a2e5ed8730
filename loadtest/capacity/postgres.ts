// PostgreSQL rows/s for the worker's batch write (apps/worker persistBatch: lock the batch's
// coupons, look for existing holders, insert rows + history rows, bump issued_count, one
// transaction) with batches of 100, 500 and 1,000, over 1 connection and 2 and 4 in
// parallel — all on ONE coupon (parallel batches queue on its row lock, as a hot coupon's do),
// each connection on a coupon of its own, and every batch spread over the same 100 coupons
// (the worker merges the jobs of every coupon into its batches; each batch locks them all). The CPU of the backends serving our
// connections (/proc/<pid>/stat) per row is the robust figure; the CPU of every postgres
// process (WAL writer, checkpointer, other people's backends) is shown as an upper bound.
// Runs in a database of its own on the shared server, dropped at the end.
//
//   pnpm exec tsx loadtest/capacity/postgres.ts
//   CAPACITY_BATCHES=500 CAPACITY_CONNECTIONS=1,4 CAPACITY_ROWS=40000 pnpm exec tsx loadtest/capacity/postgres.ts
import pg from 'pg';
import { newIssuanceId, type IssuanceItem } from '@coupon/issuance';
import { persistBatch } from '@coupon/worker/persist/persist-batch';
import { createDb, migrateToLatest } from '@coupon/db';
import { cpuSecondsOf, createScratchDatabase, postgresCpuSeconds, fmt, issuanceItem, measure, printHeader, runTag, userId } from './support';

const BATCHES = (process.env.CAPACITY_BATCHES ?? '100,500,1000').split(',').map(Number);
const CONNECTIONS = (process.env.CAPACITY_CONNECTIONS ?? '1,2,4').split(',').map(Number);
/** Rows written per configuration. */
const ROWS = Number(process.env.CAPACITY_ROWS ?? 40_000);
const MAX_CONNECTIONS = Math.max(...CONNECTIONS);
/** How a batch's issuances spread over coupons; 'mixed': every batch holds the same 100 coupons, as the worker's batches do. */
const SPREADS = ['one', 'own', 'mixed'] as const;
const SPREAD_NAMES = { one: 'one for all', own: 'one per connection', mixed: '100 in every batch' };
const MIXED_COUPONS = 100;

type Db = ReturnType<typeof createDb>;

async function createCoupons(db: Db, count: number): Promise<number[]> {
  const now = Date.now();
  const rows = await db.insertInto('coupons').values(Array.from({ length: count }, (_, i) => ({
    name: `capacity ${i}`, type: 'limited' as const, count: 2_000_000_000, start_date: new Date(now - 60_000),
    end_date: new Date(now + 365 * 86_400_000), expire_minute: 43_200, discount_type: 'percent' as const, discount_amount: 10,
  }))).returning('id').execute();
  return rows.map((r) => r.id);
}

/** Opens `n` pool connections at once and returns their backends' pids. */
async function backendPids(db: Db, admin: pg.Client, databaseName: string, n: number): Promise<number[]> {
  await Promise.all(Array.from({ length: n }, () => db.transaction().execute(async (trx) => {
    await trx.selectFrom('coupons').select('id').limit(1).execute();
    await new Promise((r) => setTimeout(r, 200)); // hold it, so the pool opens n connections
  })));
  const { rows } = await admin.query<{ pid: number }>(
    `SELECT pid FROM pg_stat_activity WHERE datname = $1 AND application_name = 'coupon-capacity'`, [databaseName]);
  return rows.map((r) => r.pid);
}

async function main() {
  printHeader(`persistBatch on PostgreSQL, ${fmt(ROWS)} rows per configuration`);
  const database = await createScratchDatabase();
  const db = createDb(database.url, { max: MAX_CONNECTIONS, applicationName: 'coupon-capacity' });
  const admin = new pg.Client({ connectionString: database.url });
  try {
    await migrateToLatest(db);
    await admin.connect();
    const settings = await admin.query<{ name: string; setting: string }>(
      `SELECT name, setting FROM pg_settings WHERE name IN ('synchronous_commit', 'fsync', 'wal_level', 'shared_buffers', 'max_wal_size')`);
    console.log(`server: ${settings.rows.map((r) => `${r.name}=${r.setting}`).join(', ')}`);
    const coupons = await createCoupons(db, MIXED_COUPONS);
    const sequences = new Map(coupons.map((id) => [id, 0]));
    const tag = runTag();
    let users = 0;
    const batchOf = (couponOf: (k: number) => number, size: number): IssuanceItem[] => Array.from({ length: size }, (_, k) => {
      const couponId = couponOf(k);
      const sequence = sequences.get(couponId)! + 1;
      sequences.set(couponId, sequence);
      return issuanceItem(couponId, userId(tag, users++), sequence, newIssuanceId(couponId));
    });
    // warm-up: plans cached, indexes touched
    await persistBatch(db, batchOf(() => coupons[0]!, 500));

    console.log('\n| batch | connections | coupons | rows in table before | rows/s (wall) | ms per batch | backend CPU µs/row | ' +
      'rows/s per backend core | all postgres CPU µs/row (upper bound) | load average |');
    console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const batch of BATCHES) {
      for (const connections of CONNECTIONS) {
        for (const spread of connections === 1 ? SPREADS.filter((m) => m !== 'own') : SPREADS) {
          const { count: before } = await db.selectFrom('user_coupons_storage').select((e) => e.fn.countAll<number>().as('count'))
            .executeTakeFirstOrThrow();
          const pids = await backendPids(db, admin, database.name, MAX_CONNECTIONS);
          const perConnection = Math.ceil(ROWS / batch / connections);
          const span = await measure({
            backends: () => pids.reduce((sum, pid) => sum + cpuSecondsOf(pid), 0),
            postgres: postgresCpuSeconds(),
          }, async () => {
            await Promise.all(Array.from({ length: connections }, async (_, c) => {
              const couponOf = spread === 'one' ? () => coupons[0]! : spread === 'own' ? () => coupons[c]! : (k: number) => coupons[k % MIXED_COUPONS]!;
              for (let i = 0; i < perConnection; i++) await persistBatch(db, batchOf(couponOf, batch));
            }));
          });
          const rows = perConnection * connections * batch;
          const backendUs = (span.cpu.backends! * 1e6) / rows;
          console.log(`| ${fmt(batch)} | ${connections} | ${SPREAD_NAMES[spread]} | ${fmt(before)} | ${fmt(rows / span.wallSeconds)} | ` +
            `${((span.wallSeconds * 1000) / (perConnection)).toFixed(1)} | ${backendUs.toFixed(1)} | ${fmt(1e6 / backendUs)} | ` +
            `${((span.cpu.postgres! * 1e6) / rows).toFixed(1)} | ${span.load} |`);
        }
      }
    }
  } finally {
    await admin.end().catch(() => {});
    await db.destroy();
    await database.drop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
