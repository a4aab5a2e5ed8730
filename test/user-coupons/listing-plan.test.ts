import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CompiledQuery, sql } from 'kysely';
import { userCouponPageQuery } from '@coupon/api/user-coupons/user-coupon.repository';
import { createTestEnv, type TestEnv } from '../support/env';

// The listing must stay an index walk however large the table grows. 1,000,000 rows over
// 10,000 users (100 each, 10% expired, 1 in 17 deleted) load in ~10 s on a 2-core box;
// issuance ids are zero-padded so their unique index fills in order.
const ROWS = 1_000_000;
const USERS = 10_000;
const USER = 'user_4242';
const LIMIT = 20;

let env: TestEnv;

beforeAll(async () => {
  env = await createTestEnv();
  const db = env.database.db;
  const { rows } = await sql<{ first: number }>`
    WITH created AS (
      INSERT INTO coupons (name, type, count, start_date, end_date, expire_minute, discount_type, discount_amount)
      SELECT 'plan ' || g, 'unlimited', 0, now() - interval '1 day', now() + interval '30 days', 10080, 'percent', 10
      FROM generate_series(1, ${ROWS / USERS}) g
      RETURNING id)
    SELECT min(id) AS first FROM created`.execute(db);
  await sql`
    INSERT INTO user_coupons_storage
      (issuance_id, user_id, coupon_id, sequence, give_date, expire_date, discount_type, discount_amount, deleted_at)
    SELECT 'plan_' || lpad(g::text, 7, '0'), 'user_' || (g % ${USERS}), ${rows[0]!.first}::int4 + g / ${USERS}, g + 1,
           now() - interval '1 hour',
           CASE WHEN g % 10 = 0 THEN now() - interval '1 minute' ELSE now() + interval '7 days' END,
           'percent', 10,
           CASE WHEN g % 17 = 0 THEN now() END
    FROM generate_series(0, ${ROWS - 1}) g`.execute(db);
  await sql`ANALYZE user_coupons_storage`.execute(db);
}, 120_000);
afterAll(async () => {
  await env.close();
});

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Index Cond'?: string;
  'Actual Rows': number;
  'Rows Removed by Filter'?: number;
  'Shared Hit Blocks': number;
  'Shared Read Blocks': number;
  Plans?: PlanNode[];
}
interface Explained {
  Plan: PlanNode;
  'Execution Time': number;
}

const flatten = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(flatten)];

async function explain(query: ReturnType<typeof userCouponPageQuery>): Promise<Explained> {
  const { sql: text, parameters } = query.compile();
  const { rows } = await env.database.db.executeQuery<{ 'QUERY PLAN': unknown }>(
    CompiledQuery.raw(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${text}`, [...parameters]),
  );
  const output = rows[0]!['QUERY PLAN'];
  const [explained] = (typeof output === 'string' ? JSON.parse(output) : output) as Explained[];
  if (process.env.SHOW_PLAN) console.log(JSON.stringify(explained, null, 2));
  return explained!;
}

/** Index walk on (user_id, id DESC) that stops after the page: no sort, no sequential scan. */
function expectIndexWalk(explained: Explained) {
  const nodes = flatten(explained.Plan);
  expect(nodes.filter((n) => n['Node Type'] === 'Seq Scan')).toEqual([]);
  expect(nodes.filter((n) => n['Node Type'] === 'Sort')).toEqual([]);
  const scans = nodes.filter((n) => n['Relation Name'] === 'user_coupons_storage');
  expect(scans).toEqual([
    expect.objectContaining({ 'Node Type': expect.stringMatching(/^Index Scan/), 'Index Name': 'user_coupons_user_id_id' }),
  ]);
  const scan = scans[0]!;
  expect(scan['Index Cond']).toContain(`user_id = '${USER}'::text`);
  expect(explained.Plan['Actual Rows']).toBe(LIMIT + 1);
  // it read about a page's worth of rows and blocks, not the user's whole list
  expect(scan['Actual Rows'] + (scan['Rows Removed by Filter'] ?? 0)).toBeLessThanOrEqual(2 * (LIMIT + 1));
  expect(scan['Shared Hit Blocks'] + scan['Shared Read Blocks']).toBeLessThan(100);
}

it('keeps db/queries/user-coupons-page.sql the SQL the repository runs', () => {
  const file = readFileSync(join(__dirname, '..', '..', 'db', 'queries', 'user-coupons-page.sql'), 'utf8');
  const statements = file
    .split('\n')
    .filter((line) => !line.startsWith('--'))
    .join(' ')
    .split(';')
    .map((s) => s.replace(/\s+/g, ' ').trim())
    .filter(Boolean);
  const db = env.database.db;
  expect(statements).toEqual([
    userCouponPageQuery(db, USER, undefined, LIMIT + 1).compile().sql,
    userCouponPageQuery(db, USER, 1, LIMIT + 1).compile().sql,
  ]);
});

it(`walks the index for a page below a cursor (${ROWS} rows, ${USERS} users)`, async () => {
  const { rows } = await sql<{ id: number }>`
    SELECT id FROM user_coupons_storage WHERE user_id = ${USER} ORDER BY id DESC OFFSET 40 LIMIT 1`.execute(env.database.db);
  const cursor = rows[0]!.id;
  const explained = await explain(userCouponPageQuery(env.database.db, USER, cursor, LIMIT + 1));
  expectIndexWalk(explained);
  expect(flatten(explained.Plan).find((n) => n['Index Name'])!['Index Cond']).toContain(`id < ${cursor}`);
});

it('walks the index for the first page', async () => {
  expectIndexWalk(await explain(userCouponPageQuery(env.database.db, USER, undefined, LIMIT + 1)));
});
