// The flash sale with clients: virtual users each issue (a new user id every time) and then
// long-poll the issuance until it settles, the way a client app waits for its coupon.
// autocannon cannot chain two requests by the first one's answer, hence this small loop:
// one keep-alive connection (http.Agent, maxSockets 1) per virtual user.
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import type { LoadResult } from './load';

export interface FlashOptions {
  url: string;
  couponId: number;
  /** Prefix of the user ids: unique per run and phase. */
  userTag: string;
  users: number;
  /** No sale starts after this; the ones under way finish (within the wait plus 10 s). */
  seconds: number;
  /** `wait` of each long poll, 0–20 s. */
  waitSeconds: number;
}

/**
 * A LoadResult of the issue requests (for the check: `accepted` are the 202s seen), whose p50
 * and p99 are the time from a sale's request to its known outcome.
 */
export interface FlashResult extends LoadResult {
  /** Sales whose user knew the outcome by the end of the window (the throughput). */
  salesInWindow: number;
  /** Every sale with a known outcome, the ones finished after the window included. */
  sales: number;
  issued: number;
  failed: number;
  /** Issue requests answered with a final refusal (409 sold_out, 422 …): an outcome too. */
  refused: number;
  /** GETs per sale that went through the long poll (1 when every poll answered at settlement). */
  polls: number;
  /** Sales cut off at the hard stop, their outcome unknown. */
  unfinished: number;
  /** Time to the 202 itself. */
  acceptP50: number;
  acceptP99: number;
}

interface Answer { status: number; body: string }

class Flash {
  readonly sales: number[] = [];
  readonly accepts: number[] = [];
  readonly statusCodes: Record<string, number> = {};
  counts = { salesInWindow: 0, issued: 0, failed: 0, refused: 0, polls: 0, errors: 0, unanswered: 0, unfinished: 0 };
  stopped = false;
  readonly agents: http.Agent[] = [];
  readonly started = performance.now();
  readonly deadline: number;

  constructor(readonly options: FlashOptions) {
    this.deadline = this.started + options.seconds * 1000;
  }

  request(agent: http.Agent, method: 'GET' | 'POST', path: string, body: string | undefined, timeoutMs: number): Promise<Answer> {
    const { hostname, port } = new URL(this.options.url);
    const headers = body === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
    return new Promise((resolve, reject) => {
      const req = http.request({ hostname, port, method, path, agent, headers }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      req.end(body);
    });
  }

  async virtualUser(vu: number): Promise<void> {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    this.agents.push(agent);
    for (let i = 0; !this.stopped && performance.now() < this.deadline; i++) {
      await this.sale(agent, `${this.options.userTag}-${vu}-${i}`);
    }
    agent.destroy();
  }

  /** One user: issue, then long-poll until the outcome is known. */
  async sale(agent: http.Agent, userId: string): Promise<void> {
    const { couponId } = this.options;
    const start = performance.now();
    let answer: Answer;
    try {
      answer = await this.request(agent, 'POST', `/v1/coupons/${couponId}/issuances`, JSON.stringify({ userId }), 10_000);
    } catch {
      // the server may have accepted it: the check allows for it
      this.counts.unanswered++;
      if (!this.stopped) this.counts.errors++;
      return;
    }
    this.statusCodes[answer.status] = (this.statusCodes[answer.status] ?? 0) + 1;
    const body = parse(answer.body);
    if (answer.status === 202) this.accepts.push(performance.now() - start);
    else this.counts.errors++;
    if (answer.status === 409 || answer.status === 422) return this.known(start, 'refused');
    // a 503 with an issuanceId: the reservation stands, its outcome comes like any other's
    if ((answer.status === 202 || answer.status === 503) && typeof body.issuanceId === 'string') {
      await this.poll(agent, body.issuanceId, start);
    }
  }

  async poll(agent: http.Agent, issuanceId: string, start: number): Promise<void> {
    const wait = this.options.waitSeconds;
    for (;;) {
      let answer: Answer;
      try {
        answer = await this.request(agent, 'GET', `/v1/issuances/${encodeURIComponent(issuanceId)}?wait=${wait}`, undefined, (wait + 10) * 1000);
      } catch {
        if (this.stopped) this.counts.unfinished++;
        else this.counts.errors++;
        return;
      }
      this.counts.polls++;
      const status = parse(answer.body).status;
      if (answer.status !== 200) {
        this.counts.errors++;
        return;
      }
      if (status === 'issued' || status === 'failed') return this.known(start, status);
    }
  }

  known(start: number, outcome: 'issued' | 'failed' | 'refused'): void {
    const now = performance.now();
    this.sales.push(now - start);
    if (now <= this.deadline) this.counts.salesInWindow++;
    this.counts[outcome]++;
  }

  /** Ends what is still under way (their sockets are destroyed). */
  stop(): void {
    this.stopped = true;
    for (const agent of this.agents) agent.destroy();
  }
}

function parse(text: string): Record<string, unknown> {
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return {};
  }
}

function percentile(values: number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]! * 100) / 100;
}

export async function runFlash(options: FlashOptions): Promise<FlashResult> {
  const flash = new Flash(options);
  const users = Array.from({ length: options.users }, (_, vu) => flash.virtualUser(vu));
  // a hard stop well past the window: only a stuck worker or API leaves sales open that long
  const hardStop = setTimeout(() => flash.stop(), options.seconds * 1000 + (options.waitSeconds + 10) * 1000);
  await Promise.all(users);
  clearTimeout(hardStop);
  flash.stop();
  const { counts, statusCodes } = flash;
  const answered = Object.values(statusCodes).reduce((a, b) => a + b, 0);
  return {
    seconds: options.seconds,
    answered,
    unanswered: counts.unanswered,
    accepted: statusCodes[202] ?? 0,
    ok: 0,
    errors: counts.errors,
    statusCodes,
    p50: percentile(flash.sales, 0.5),
    p99: percentile(flash.sales, 0.99),
    salesInWindow: counts.salesInWindow,
    sales: flash.sales.length,
    issued: counts.issued,
    failed: counts.failed,
    refused: counts.refused,
    polls: counts.polls,
    unfinished: counts.unfinished,
    acceptP50: percentile(flash.accepts, 0.5),
    acceptP99: percentile(flash.accepts, 0.99),
  };
}
