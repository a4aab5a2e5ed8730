// The measurements. Each issue phase uses a coupon of its own and ends with the check.
import { createCoupon, ensureOpenCoupons } from './admin';
import { readLag, readPersisted, verify, waitPersisted, type Check } from './checks';
import { type BenchConfig, type DurabilityPhase, type Phase } from './config';
import { startDurabilityStack } from './durability';
import { runFlash } from './flash';
import { runLoad, type LoadResult } from './load';
import { sleep } from '@coupon/test/support/net';
import { postgresCpuSeconds, treeCpuSeconds, treeRssMiB } from './processes';
import type { Stack } from './stack';

export interface PhaseResult {
  /** The phase's headline rate: accepted/s, iterations/s or rows/s. */
  rate: number;
  p50?: number;
  p99?: number;
  errors?: number;
  extra: Record<string, number>;
  checks: Check[];
}

export interface RunContext {
  config: BenchConfig;
  stack: Stack;
  /** Unique per run: user ids and coupon names carry it. */
  tag: string;
  log(line: string): void;
}

const BIG_STOCK = 50_000_000;

/** Loads a fresh coupon, then waits for the worker and checks; `measure` runs right after the load. */
async function issuePhase(
  run: RunContext,
  name: string,
  load: Omit<Parameters<typeof runLoad>[0], 'url' | 'couponId' | 'userTag'> & { url?: string },
  measure?: (accepted: number) => Record<string, number>,
) {
  const { stack, config } = run;
  const coupon = await createCoupon(stack.apiUrl, config.adminToken, `bench ${run.tag} ${name}`, 'limited', BIG_STOCK);
  const result = await runLoad({ url: stack.apiUrl, ...load, couponId: coupon.id, userTag: `${run.tag}-${name}` });
  const measured = measure?.(result.accepted) ?? {};
  const state = await waitPersisted(stack, coupon.id, config.settleTimeoutMs);
  const check = verify(name, coupon, result, state);
  run.log(check.line);
  return { coupon, result, check, measured };
}

const perSecond = (n: number, r: LoadResult) => n / r.seconds;

export async function warmup(run: RunContext): Promise<void> {
  const { config, stack } = run;
  await runLoad({ url: stack.ceilingUrl, couponId: 1, userTag: `${run.tag}-warm`, connections: config.connections, seconds: config.warmupSeconds });
  await issuePhase(run, 'warmup', { connections: config.connections, seconds: config.warmupSeconds });
}

/**
 * CPU time per accepted request of each party during a load, in µs: a figure that other
 * work on the machine disturbs far less than throughput. Redis is shared with whatever
 * else runs here, so its figure is an upper bound.
 */
function cpuMeter(parties: Record<string, number | null>, withPostgres = false) {
  const pids = Object.entries(parties).filter((e): e is [string, number] => e[1] !== null);
  const read = () => ({
    ...Object.fromEntries(pids.map(([name, pid]) => [name, treeCpuSeconds(pid)])),
    ...(withPostgres ? { postgres: postgresCpuSeconds() } : {}),
    client: process.cpuUsage().user / 1e6 + process.cpuUsage().system / 1e6,
  });
  const start: Record<string, number> = read();
  return (requests: number): Record<string, number> => {
    const end: Record<string, number> = read();
    return Object.fromEntries(Object.keys(start).map((k) => [`cpuUs.${k}`, ((end[k]! - start[k]!) * 1e6) / requests]));
  };
}

/** The stack's processes whose CPU an issue load is measured on (its own Redis, for a durability phase). */
function stackParties({ stack }: RunContext, api = stack.apiPid()) {
  return { api, worker: stack.workerPid(), ...stack.redisPids() };
}

export async function ceiling(run: RunContext): Promise<PhaseResult> {
  const { config, stack } = run;
  const cpu = cpuMeter({ server: stack.ceilingPid() });
  const r = await runLoad({ url: stack.ceilingUrl, couponId: 1, userTag: `${run.tag}-ceiling`, connections: config.connections, seconds: config.peakSeconds });
  return { rate: perSecond(r.accepted, r), p50: r.p50, p99: r.p99, errors: r.errors, extra: cpu(r.accepted), checks: [] };
}

export async function peak(run: RunContext): Promise<PhaseResult> {
  const { config } = run;
  const cpu = cpuMeter(stackParties(run), true);
  const { result: r, check, measured } = await issuePhase(run, 'peak', { connections: config.connections, seconds: config.peakSeconds }, cpu);
  return { rate: perSecond(r.accepted, r), p50: r.p50, p99: r.p99, errors: r.errors, extra: measured, checks: [check] };
}

/**
 * peak against the API in AUTH_MODE=jwt: the same load, each request with its user's token.
 * The tokens are signed before the load (not measured): 1.5 × what peak accepted when it ran
 * in this pass, else BENCH_JWT_TOKENS_PER_SECOND per second; any further ones are signed live.
 */
export async function peakJwt(run: RunContext, trustedPeak?: PhaseResult): Promise<PhaseResult> {
  const { config, stack } = run;
  const jwt = stack.jwt!;
  const perSecondWanted = trustedPeak ? Math.ceil(trustedPeak.rate * 1.5) : config.jwtTokensPerSecond;
  const presign = (name: string, seconds: number) => {
    const tag = `${run.tag}-${name}`;
    const pool = jwt.signer.tokens(tag, perSecondWanted * seconds);
    let live = 0;
    const token = (i: number) => pool[i] ?? (live++, jwt.signer.token(`${tag}-${i}`));
    return { token, live: () => live };
  };
  const warm = presign('peak-jwt-warmup', config.warmupSeconds);
  await issuePhase(run, 'peak-jwt-warmup', { url: jwt.url, connections: config.connections, seconds: config.warmupSeconds, token: warm.token });
  const started = Date.now();
  const tokens = presign('peak-jwt', config.peakSeconds);
  run.log(`peak-jwt: ${perSecondWanted * config.peakSeconds} tokens signed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const cpu = cpuMeter(stackParties(run, jwt.pid()));
  const load = { url: jwt.url, connections: config.connections, seconds: config.peakSeconds, token: tokens.token };
  const { result: r, check, measured } = await issuePhase(run, 'peak-jwt', load, cpu);
  return {
    rate: perSecond(r.accepted, r), p50: r.p50, p99: r.p99, errors: r.errors,
    extra: { ...measured, tokensSignedLive: tokens.live() }, checks: [check],
  };
}

export async function sustained(run: RunContext): Promise<PhaseResult> {
  const { config, stack } = run;
  const rss = () => ({ api: pidRss(stack.apiPid()), worker: pidRss(stack.workerPid()) });
  const before = rss();
  const cpu = cpuMeter(stackParties(run), true);
  const coupon = await createCoupon(stack.apiUrl, config.adminToken, `bench ${run.tag} sustained`, 'limited', BIG_STOCK);
  let after = before;
  const load = runLoad({
    url: stack.apiUrl, couponId: coupon.id, userTag: `${run.tag}-sustained`,
    connections: config.sustainedConnections, seconds: config.sustainedSeconds, overallRate: config.sustainedRate,
  });
  // sampled just before the load ends, while both processes still carry it
  const sampler = sleep(Math.max(0, config.sustainedSeconds * 1000 - 500)).then(() => { after = rss(); });
  const [r] = await Promise.all([load, sampler]);
  const measured = cpu(r.accepted);
  const state = await waitPersisted(stack, coupon.id, config.settleTimeoutMs);
  const check = verify('sustained', coupon, r, state);
  run.log(check.line);
  const lag = await readLag(stack, coupon.id);
  return {
    rate: perSecond(r.accepted, r), p50: r.p50, p99: r.p99, errors: r.errors,
    extra: {
      rowsPerSecond: lag.rowsPerSecond, lagP50: lag.p50, lagP99: lag.p99,
      apiRssStart: before.api, apiRssEnd: after.api, workerRssStart: before.worker, workerRssEnd: after.worker,
      ...measured,
    },
    checks: [check],
  };
}

/** Open coupons in the list during the seed phase: a shop running many campaigns. */
const SEED_OPEN_COUPONS = 100;

export async function seed(run: RunContext): Promise<PhaseResult> {
  const { config, stack } = run;
  // one of them is the phase's own, created next
  await ensureOpenCoupons(stack.apiUrl, config.adminToken, SEED_OPEN_COUPONS - 1, run.tag);
  const cpu = cpuMeter(stackParties(run), true);
  const { result: r, check, measured } = await issuePhase(
    run, 'seed', { connections: config.connections, seconds: config.seedSeconds, listFirst: true }, cpu,
  );
  // an iteration ends with its issue request: count those (CPU is per iteration too)
  return { rate: perSecond(r.accepted, r), p50: r.p50, p99: r.p99, errors: r.errors, extra: { lists: perSecond(r.ok, r), ...measured }, checks: [check] };
}

/** Accepts `drainCount` issuances with the worker stopped, then times the worker writing them. */
export async function drain(run: RunContext): Promise<PhaseResult> {
  const { config, stack } = run;
  await stack.stopWorker();
  const coupon = await createCoupon(stack.apiUrl, config.adminToken, `bench ${run.tag} drain`, 'limited', config.drainCount);
  const fill = await runLoad({
    url: stack.apiUrl, couponId: coupon.id, userTag: `${run.tag}-drain`, connections: config.connections, amount: config.drainCount,
  });
  const queued = await readPersisted(stack, coupon.id);
  run.log(`drain: ${queued.redisAccepted} accepted in ${fill.seconds.toFixed(1)} s with the worker stopped, ${queued.rows} rows; starting the worker`);
  const started = Date.now();
  await stack.startWorker();
  const state = await waitPersisted(stack, coupon.id, config.settleTimeoutMs);
  const wallSeconds = (Date.now() - started) / 1000;
  const check = verify('drain', coupon, fill, state);
  run.log(check.line);
  const lag = await readLag(stack, coupon.id);
  return {
    rate: lag.rowsPerSecond, errors: fill.errors,
    extra: { rows: state.rows, wallSeconds, fillPerSecond: perSecond(fill.accepted, fill) },
    checks: [check],
  };
}

function pidRss(pid: number | null): number {
  return pid === null ? NaN : treeRssMiB(pid);
}

/**
 * Users issue, then long-poll their issuance until it settles: completed sales/s (the user
 * knows the outcome) and the time from the request to that. Two checks: the usual one, and
 * that every sale ended `issued` (the stock is ample) with no more issued than rows.
 */
export async function flash(run: RunContext): Promise<PhaseResult> {
  const { config, stack } = run;
  const coupon = await createCoupon(stack.apiUrl, config.adminToken, `bench ${run.tag} flash`, 'limited', BIG_STOCK);
  const cpu = cpuMeter(stackParties(run), true);
  const r = await runFlash({
    url: stack.apiUrl, couponId: coupon.id, userTag: `${run.tag}-flash`,
    users: config.flashUsers, seconds: config.flashSeconds, waitSeconds: config.flashWaitSeconds,
  });
  const measured = cpu(r.sales);
  const state = await waitPersisted(stack, coupon.id, config.settleTimeoutMs);
  const check = verify('flash', coupon, r, state);
  const outcomesOk = r.failed === 0 && r.refused === 0 && r.unfinished === 0 && r.issued === r.sales && r.issued <= state.rows;
  const outcomes: Check = {
    ok: outcomesOk,
    line: `check flash     outcomes: ${outcomesOk ? 'OK ' : 'FAIL'} sales ${r.sales}: issued ${r.issued} (rows ${state.rows}), ` +
      `failed ${r.failed}, refused ${r.refused}, unfinished ${r.unfinished}`,
  };
  run.log(check.line);
  run.log(outcomes.line);
  return {
    rate: r.salesInWindow / r.seconds, p50: r.p50, p99: r.p99, errors: r.errors,
    extra: {
      ...measured, sales: r.sales, pollsPerSale: r.polls / Math.max(1, r.sales - r.refused),
      acceptP50: r.acceptP50, acceptP99: r.acceptP99, accepted: r.accepted / r.seconds,
    },
    checks: [check, outcomes],
  };
}

/**
 * peak against an API + worker on a Redis setup of the phase's own (see durability.ts),
 * after a warm-up of the fresh processes. WAIT calls are counted on the primary: the
 * group commit shows as issuances per WAIT, and none at all means the API sent none.
 */
export async function peakDurability(run: RunContext, phase: DurabilityPhase): Promise<PhaseResult> {
  const { config } = run;
  const stack = await startDurabilityStack(config, run.stack, phase);
  try {
    const own: RunContext = { ...run, stack };
    run.log(`${phase}: redis ${stack.redisSetup.url}${stack.redisSetup.replica ? ` + replica ${stack.redisSetup.replica.url}` : ''}, api ${stack.apiUrl}`);
    const load = { connections: config.connections, seconds: config.peakSeconds };
    if (config.warmupSeconds > 0) await issuePhase(own, `${phase}-warmup`, { ...load, seconds: config.warmupSeconds });
    const waitsBefore = await stack.redisSetup.commandCalls('wait');
    const cpu = cpuMeter(stackParties(own), true);
    const { result: r, check, measured } = await issuePhase(own, phase, load, cpu);
    const waitCalls = (await stack.redisSetup.commandCalls('wait')) - waitsBefore;
    return {
      rate: perSecond(r.accepted, r), p50: r.p50, p99: r.p99, errors: r.errors,
      extra: { ...measured, waitCalls, issuancesPerWait: waitCalls ? r.accepted / waitCalls : NaN, unavailable: r.statusCodes['503'] ?? 0 },
      checks: [check],
    };
  } finally {
    await stack.close();
  }
}

type Runner = (run: RunContext, done: Partial<Record<Phase, PhaseResult>>) => Promise<PhaseResult>;

/** Every phase by its BENCH_PHASES name; peak-jwt sizes its token pool from this pass's peak. */
export const runners: Record<Phase, Runner> = {
  ceiling, peak, 'peak-jwt': (run, done) => peakJwt(run, done.peak), sustained, seed, flash, drain,
  'peak-local': (run) => peakDurability(run, 'peak-local'),
  'peak-aof-everysec': (run) => peakDurability(run, 'peak-aof-everysec'),
  'peak-aof-always': (run) => peakDurability(run, 'peak-aof-always'),
  'peak-replica': (run) => peakDurability(run, 'peak-replica'),
};
