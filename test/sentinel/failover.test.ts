import { startLoad, type Entry } from '../chaos/support/load';
import { createCoupon } from '../support/coupons';
import { FAST_RECOVERY, createTestEnv, type TestEnv } from '../support/env';
import { createPrivateSentinel, type PrivateSentinel } from '../support/private-sentinel';
import { type Child, eventually, startApp } from '../support/processes';
import { sleep } from '../support/net';

// The real API and worker (spawned processes, REDIS_SENTINELS) issue coupons through a
// Sentinel failover: kill -9 of the primary, its data directory deleted. Without a restart,
// requests fail for a while (fast: 503, the API does not queue), then succeed on the
// promoted replica, and the worker goes on persisting. Nothing is oversold or duplicated.
// (With ISSUANCE_DURABILITY=local a promoted replica may lack the last writes: the 202s it
// lost are reported, not asserted; the chaos scenario sentinel-failover measures that.)
let env: TestEnv;
let topology: PrivateSentinel;
let api: Child;
let worker: Child;
let base: string;

beforeAll(async () => {
  [env, topology] = await Promise.all([createTestEnv(), createPrivateSentinel()]);
  const vars = {
    ...env.vars,
    REDIS_SENTINELS: topology.sentinels,
    REDIS_SENTINEL_MASTER: topology.masterName,
    HOST: '127.0.0.1',
    // short enough to watch: a dead job lock, an orphan reservation, a reconciler pass
    ...FAST_RECOVERY,
  };
  [{ child: api, url: base }, { child: worker }] = await Promise.all([startApp('api', vars), startApp('worker', vars)]);
}, 60_000);

afterAll(async () => {
  await Promise.all([api?.kill('SIGKILL'), worker?.kill('SIGKILL')]);
  await topology?.destroy();
  await env?.close();
});

async function statusOf(issuanceId: string): Promise<string> {
  const res = await fetch(`${base}/v1/issuances/${issuanceId}`);
  return res.status === 200 ? ((await res.json()) as { status: string }).status : String(res.status);
}

const failed = (e: Entry) => ['unavailable', 'maybe', 'not_sent', 'server_error'].includes(e.outcome);

it('kill -9 of the primary under load: requests fail for a while, then the same processes go on issuing and persisting', async () => {
  const wide = await createCoupon(base, { count: 1_000_000 });
  const tight = { id: await createCoupon(base, { count: 150 }), stock: 150 };
  const load = startLoad({ targets: () => [base], coupons: [wide, tight.id], rate: 100 });
  await sleep(2000);

  const old = await topology.killPrimary();
  const killedAt = Date.now();
  await topology.waitForPromotion(old);
  const promotedAt = Date.now();
  await topology.rejoinAsReplica(old);
  await eventually(async () => (load.log.some((e) => e.at > promotedAt && e.outcome === 'accepted') ? true : undefined),
    30_000, 'a 202 after the failover');
  await sleep(2000);
  const log = await load.stop();

  // every 202 settles: issued, failed (PostgreSQL refused it), or unknown (lost with the old primary)
  const accepted = log.filter((e) => e.outcome === 'accepted');
  const statuses = new Map<string, string>();
  await eventually(async () => {
    for (const e of accepted) {
      if (statuses.get(e.issuanceId!) !== 'pending' && statuses.has(e.issuanceId!)) continue;
      statuses.set(e.issuanceId!, await statusOf(e.issuanceId!));
    }
    return [...statuses.values()].includes('pending') ? undefined : true;
  }, 60_000, 'every 202 settled');

  const after = accepted.filter((e) => e.at > promotedAt);
  const failures = log.filter(failed);
  const rows = await env.database.db.selectFrom('user_coupons_storage').select(['coupon_id', 'user_id', 'issuance_id', 'sequence'])
    .where('coupon_id', 'in', [wide, tight.id]).execute();
  const persisted = new Set(rows.map((r) => r.issuance_id));
  const byStatus = (s: string) => accepted.filter((e) => statuses.get(e.issuanceId!) === s).length;
  const window = failures.length ? (Math.max(...failures.map((e) => e.at)) - Math.min(...failures.map((e) => e.at))) / 1000 : 0;
  const firstOk = Math.min(...accepted.filter((e) => e.at > killedAt).map((e) => e.at));
  console.log([
    `requests ${log.length}, accepted ${accepted.length} (${after.length} after the promotion), failed ${failures.length}`,
    `failover: promoted ${((promotedAt - killedAt) / 1000).toFixed(1)} s after the kill; requests failed for ${window.toFixed(1)} s; first 202 ${((firstOk - killedAt) / 1000).toFixed(1)} s after the kill`,
    `persisted ${rows.length}; 202s issued ${byStatus('issued')}, failed ${byStatus('failed')}, lost ${accepted.filter((e) => !persisted.has(e.issuanceId!)).length}`,
    `sequences repeated ${rows.length - new Set(rows.map((r) => `${r.coupon_id}/${r.sequence}`)).size}`,
  ].join('\n'));

  expect(failures.filter((e) => e.outcome === 'server_error')).toEqual([]); // 503s, never a 500
  expect(after.length).toBeGreaterThan(0);
  // the worker persisted what the promoted primary accepted (the wide coupon never sells out)
  const afterWide = after.filter((e) => e.couponId === wide);
  expect(afterWide.filter((e) => statuses.get(e.issuanceId!) !== 'issued' || !persisted.has(e.issuanceId!))).toEqual([]);
  // no oversell, one row per (coupon, user) and per issuance
  expect(rows.filter((r) => r.coupon_id === tight.id).length).toBeLessThanOrEqual(tight.stock);
  expect(new Set(rows.map((r) => `${r.coupon_id}/${r.user_id}`)).size).toBe(rows.length);
  expect(persisted.size).toBe(rows.length);
  expect(api.process.exitCode).toBeNull();
  expect(worker.process.exitCode).toBeNull();
}, 120_000);
