import { createCoupon } from '../support/coupons';
import { eventually, spawnApp } from '../support/processes';
import { freePort, waitForHttp } from '../support/net';
import { useTestEnv } from '../support/stack';

// Scale-out in one process tree: API_PROCESSES=2 forks two API processes on one port; the
// primary sums their metrics and passes SIGTERM on.
const testEnv = useTestEnv();

function sample(text: string, name: string, labels: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(labels));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

it('serves from two processes, aggregates their metrics, and stops on SIGTERM', async () => {
  const port = await freePort();
  const api = spawnApp('api', { ...testEnv().vars, PORT: String(port), HOST: '127.0.0.1', API_PROCESSES: '2', LOG_LEVEL: 'info' });
  const base = `http://127.0.0.1:${port}`;
  try {
    await waitForHttp(`${base}/readyz`, api);
    // both processes up before any traffic, so round-robin gives each a share of it
    const pids = await eventually(async () => {
      const found = new Set(api.output().split('\n').map((l) => /"pid":(\d+).*api listening/.exec(l)?.[1]).filter(Boolean));
      return found.size === 2 ? found : undefined;
    }, 30_000, 'two API processes listening');
    expect(pids.size).toBe(2);
    const id = await createCoupon(base, { count: 1000 });
    // one connection each: the primary hands connections out round-robin, ~20 per process,
    // so an unaggregated answer would say ~20
    for (let i = 0; i < 40; i++) {
      const res = await fetch(`${base}/v1/coupons/${id}/issuances`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', connection: 'close' },
        body: JSON.stringify({ userId: `cluster_${i}` }),
      });
      expect(res.status).toBe(202);
    }
    const metrics = await (await fetch(`${base}/metrics`)).text();
    // the sum over both processes, whichever process answered the scrape
    expect(sample(metrics, 'coupon_issuance_requests_total', 'outcome="accepted"')).toBe(40);
  } finally {
    expect(await api.kill('SIGTERM')).toBe(0);
  }
}, 60_000);
