/*
 * The seed's load test, against this service's HTTP API: each iteration lists the coupons
 * that can be issued (GET /v1/coupons), then asks for one (POST /v1/coupons/:id/issuances)
 * with a user id never used before, then sleeps a second, as the seed's script did. The
 * virtual users ramp 100 → 1000 and back, in stages like the seed's (100, 150, 200, 150, 100
 * VUs there, over hours; minutes here — scale the durations with STAGE_SECONDS).
 *
 *   k6 run -e BASE_URL=http://127.0.0.1:3000 -e COUPON_ID=1 loadtest/k6/seed-scenario.js
 *
 * BASE_URL      the API (default http://127.0.0.1:3000)
 * COUPON_ID     a coupon that is issuing now, with stock for the whole run (create one with
 *               POST /v1/coupons and the admin token first)
 * STAGE_SECONDS length of each stage (default 60)
 * RUN_ID        tag for this run's user ids (default: the start time)
 *
 * A 202 (accepted), 409 already_issued and 409 sold_out are all answers the service gives by
 * design; anything else (5xx, timeouts, 400s) counts as an error. k6 does not run on the
 * project's machines: `pnpm bench` (loadtest/src) measures the same flow with autocannon.
 */
import http from 'k6/http';
import { check, group, sleep } from 'k6';
import { Counter, Rate } from 'k6/metrics';
import exec from 'k6/execution';

const BASE_URL = __ENV.BASE_URL || 'http://127.0.0.1:3000';
const COUPON_ID = __ENV.COUPON_ID || '1';
const STAGE = `${__ENV.STAGE_SECONDS || 60}s`;
const RUN_ID = __ENV.RUN_ID || `${Date.now()}`;

const accepted = new Counter('issuances_accepted');
const refused = new Counter('issuances_refused');
const errors = new Rate('errors');

export const options = {
  scenarios: {
    seed: {
      executor: 'ramping-vus',
      startVUs: 100,
      stages: [
        { duration: STAGE, target: 100 },
        { duration: STAGE, target: 250 },
        { duration: STAGE, target: 500 },
        { duration: STAGE, target: 1000 },
        { duration: STAGE, target: 500 },
        { duration: STAGE, target: 100 },
      ],
      gracefulRampDown: '10s',
    },
  },
  thresholds: {
    errors: ['rate<0.01'],
    'http_req_duration{name:issue}': ['p(99)<500'],
    'http_req_duration{name:list}': ['p(99)<500'],
  },
};

export default function () {
  // unique across VUs and iterations of this run; the run id keeps separate runs apart
  const userId = `k6-seed-${RUN_ID}-${exec.vu.idInTest}-${exec.vu.iterationInScenario}`;

  group('list coupons', () => {
    const res = http.get(`${BASE_URL}/v1/coupons`, { tags: { name: 'list' } });
    const ok = check(res, { 'list is 200': (r) => r.status === 200 });
    errors.add(!ok);
  });

  group('issue', () => {
    const res = http.post(`${BASE_URL}/v1/coupons/${COUPON_ID}/issuances`, JSON.stringify({ userId }), {
      headers: { 'Content-Type': 'application/json' },
      tags: { name: 'issue' },
    });
    const ok = check(res, {
      'issue is 202, or a 409 by design': (r) => r.status === 202 || r.status === 409,
    });
    if (res.status === 202) accepted.add(1);
    if (res.status === 409) refused.add(1);
    errors.add(!ok);
  });

  sleep(1);
}
