import { sleep } from '../../support/net';
import type { CouponSpec } from './audit';
import type { Stack } from './stack';

/**
 * A bounded, paced load client that logs every issue request it sends. At most
 * `concurrency` requests are open at once and about `rate` start per second; each has
 * `timeoutMs` to answer. A request that timed out or whose connection broke after it was
 * sent is a "maybe": the server may or may not have reserved it.
 */
export type Outcome = 'accepted' | 'refused' | 'unavailable' | 'not_sent' | 'maybe' | 'server_error';

export interface Entry {
  at: number;
  couponId: number;
  userId: string;
  api: string;
  outcome: Outcome;
  status: number | null;
  code: string | null;
  issuanceId: string | null;
  sequence: number | null;
}

export interface LoadOptions {
  /** Base URLs of the API processes, used in turn (read on every request: restarts may swap them). */
  targets: () => string[];
  coupons: number[];
  rate: number;
  concurrency?: number;
  timeoutMs?: number;
  /** Share of requests that repeat an earlier user (one per user per coupon must hold). */
  repeatShare?: number;
  userPrefix?: string;
}

export interface Load {
  log: Entry[];
  /** Stops starting requests and waits for the open ones. */
  stop(): Promise<Entry[]>;
}

/** One issue request, classified. */
export async function sendIssue(api: string, couponId: number, userId: string, timeoutMs = 3000): Promise<Entry> {
  const entry: Entry = { at: Date.now(), couponId, userId, api, outcome: 'maybe', status: null, code: null, issuanceId: null, sequence: null };
  try {
    const res = await fetch(`${api}/v1/coupons/${couponId}/issuances`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ userId }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body = (await res.json().catch(() => ({}))) as { code?: string; issuanceId?: string; sequence?: number };
    entry.status = res.status;
    entry.code = body.code ?? null;
    if (res.status === 202) {
      entry.outcome = 'accepted';
      entry.issuanceId = body.issuanceId ?? null;
      entry.sequence = body.sequence ?? null;
    } else if (res.status === 503) entry.outcome = 'unavailable';
    else if (res.status >= 500) entry.outcome = 'server_error';
    else entry.outcome = 'refused';
  } catch (error) {
    const code = (error as { cause?: { code?: string } }).cause?.code;
    // refused connections never reached a server; anything else may have been processed
    entry.outcome = code === 'ECONNREFUSED' ? 'not_sent' : 'maybe';
    entry.code = code ?? (error as Error).name;
  }
  return entry;
}

/** `count` distinct users, `concurrency` at a time, on one coupon; entries go to `log`. */
export async function burst(api: string, couponId: number, userPrefix: string, count: number, log: Entry[], concurrency = 32): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < count) log.push(await sendIssue(api, couponId, `${userPrefix}${next++}`));
  }));
}

export function startLoad(options: LoadOptions): Load {
  const { rate, concurrency = 48, timeoutMs = 3000, repeatShare = 0.1, userPrefix = 'u' } = options;
  const log: Entry[] = [];
  const open = new Set<Promise<void>>();
  const started = Date.now();
  let sent = 0;
  let users = 0;
  let stopped = false;

  const one = async (i: number) => {
    const couponId = options.coupons[i % options.coupons.length]!;
    const repeat = users > 10 && Math.random() < repeatShare;
    const userId = `${userPrefix}${repeat ? Math.floor(Math.random() * users) : users++}`;
    const targets = options.targets();
    // not i % targets.length: with as many coupons as targets, each API would see one coupon
    const api = targets[Math.floor(i / options.coupons.length) % targets.length]!;
    log.push(await sendIssue(api, couponId, userId, timeoutMs));
  };

  const tick = setInterval(() => {
    if (stopped) return;
    const due = Math.floor(((Date.now() - started) / 1000) * rate);
    while (sent < due && open.size < concurrency) {
      const p = one(sent++).finally(() => open.delete(p));
      open.add(p);
    }
    // when the server is slower than the rate, do not pile up a backlog to fire later
    if (sent < due) sent = due;
  }, 5);

  return {
    log,
    async stop() {
      stopped = true;
      clearInterval(tick);
      await Promise.allSettled([...open]);
      return log;
    },
  };
}

/**
 * The prelude of a scenario: limited coupons of the given stocks, and a load on them through
 * every API process at `rate` per second, running `warmupMs` by the time this resolves. The
 * stack's destroy() stops the load if the test fails before it does.
 */
export async function couponsUnderLoad<const S extends readonly number[]>(
  stack: Pick<Stack, 'apis' | 'createCoupon' | 'onDestroy'>,
  stocks: S,
  { rate = 250, warmupMs = 3000 }: { rate?: number; warmupMs?: number } = {},
): Promise<{ coupons: { -readonly [K in keyof S]: CouponSpec }; load: Load }> {
  const coupons: CouponSpec[] = [];
  for (const stock of stocks) coupons.push({ id: await stack.createCoupon({ count: stock }), stock });
  const load = startLoad({ targets: () => stack.apis.map((a) => a.url), coupons: coupons.map((c) => c.id), rate });
  stack.onDestroy(() => load.stop());
  await sleep(warmupMs);
  return { coupons: coupons as { -readonly [K in keyof S]: CouponSpec }, load };
}
