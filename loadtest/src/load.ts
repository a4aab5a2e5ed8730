// autocannon over loopback. Every issue request carries a user id never used before, so
// each 202 is a new issuance (not an already_issued 409).
import autocannon from 'autocannon';
import { sleep } from '@coupon/test/support/net';

export interface LoadResult {
  seconds: number;
  /** Responses with any status. */
  answered: number;
  /**
   * Requests still in flight when a timed load stopped: the client never saw their answer,
   * though the server may have accepted them. At most one per connection (no pipelining).
   */
  unanswered: number;
  /** 202 responses (issue) — or, for the ceiling, its 202s too. */
  accepted: number;
  /** 200 responses (the coupon list of the seed scenario). */
  ok: number;
  /** Responses other than 200/202, plus socket errors and timeouts. */
  errors: number;
  statusCodes: Record<string, number>;
  p50: number;
  p99: number;
}

export interface LoadOptions {
  url: string;
  couponId: number;
  /** Prefix of this load's user ids: unique per run and phase. */
  userTag: string;
  connections: number;
  seconds?: number;
  /** Stop after this many requests instead of after `seconds`. */
  amount?: number;
  /** Requests per second over all connections (paced, see `paced`); none = as fast as answered. */
  overallRate?: number;
  /** Each iteration lists the coupons, then issues (the seed's k6 scenario). */
  listFirst?: boolean;
  /** The Authorization token of user i (AUTH_MODE=jwt): looked up, never signed, during the load. */
  token?: (i: number) => string;
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  let next = 0;
  const issue: autocannon.Request = {
    method: 'POST',
    path: `/v1/coupons/${options.couponId}/issuances`,
    headers: { 'content-type': 'application/json' },
    setupRequest: (req) => {
      const i = next++;
      req.body = `{"userId":"${options.userTag}-${i}"}`;
      if (options.token) req.headers = { ...req.headers, authorization: `Bearer ${options.token(i)}` };
      return req;
    },
  };
  const requests = options.listFirst ? [{ method: 'GET' as const, path: '/v1/coupons' }, issue] : [issue];
  const common = { url: options.url, requests, timeout: 10 };
  if (options.overallRate) return paced(options, common);
  const result = await autocannon({
    ...common,
    connections: options.connections,
    duration: options.seconds ?? 3600,
    amount: options.amount,
  });
  return summarize(result, result.duration, options.connections);
}

/**
 * A fixed request rate. autocannon's own `overallRate` lets every connection send its share
 * for the second back to back and then pause until a timer shared by all of them fires:
 * the whole second's requests arrive in one burst, and its coordinated-omission correction
 * assumes a 1 ms interval. So each connection here is its own autocannon with its share of
 * the rate, started 1/n s after the previous one: bursts of a few requests, spread evenly
 * over the second. Latencies are as measured (no correction); the histograms are merged.
 */
async function paced(options: LoadOptions, common: Pick<autocannon.Options, 'url' | 'requests' | 'timeout'>): Promise<LoadResult> {
  const lanes = Math.min(options.connections, options.overallRate!);
  const seconds = options.seconds ?? 10;
  const runs = Array.from({ length: lanes }, async (_, i) => {
    await sleep((i * 1000) / lanes);
    const rate = Math.floor(options.overallRate! / lanes) + (i < options.overallRate! % lanes ? 1 : 0);
    return autocannon({
      ...common,
      connections: 1,
      overallRate: rate,
      duration: seconds,
      ignoreCoordinatedOmission: true,
      skipAggregateResult: true,
    });
  });
  const merged = (autocannon as unknown as { aggregateResult(r: unknown[], o: object): autocannon.Result }).aggregateResult(
    await Promise.all(runs),
    { url: common.url, connections: lanes },
  );
  return summarize(merged, seconds, lanes);
}

function summarize(result: autocannon.Result, seconds: number, connections: number): LoadResult {
  const statusCodes: Record<string, number> = {};
  for (const [code, stat] of Object.entries(result.statusCodeStats ?? {})) statusCodes[code] = stat.count ?? 0;
  const answered = Object.values(statusCodes).reduce((a, b) => a + b, 0);
  const accepted = statusCodes['202'] ?? 0;
  const ok = statusCodes['200'] ?? 0;
  return {
    seconds,
    answered,
    // autocannon's `sent` also counts turns a rate-limited connection sat out
    unanswered: Math.min(Math.max(0, result.requests.sent - answered), connections),
    accepted,
    ok,
    errors: answered - accepted - ok + result.errors,
    statusCodes,
    p50: result.latency.p50,
    p99: result.latency.p99,
  };
}
