/*
 * The issue's goal as a k6 test: a constant arrival rate of 1500 issue requests per second
 * (POST /v1/coupons/:id/issuances, each with a new user id) for DURATION, failing when the
 * p99 latency or the error rate crosses its threshold. Unlike a fixed number of VUs, a
 * constant-arrival-rate executor keeps sending at the rate when the service slows down, so
 * a slow service shows as latency and dropped iterations, not as a lower rate.
 *
 *   k6 run -e BASE_URL=http://127.0.0.1:3000 -e COUPON_ID=1 loadtest/k6/issue-constant-rate.js
 *
 * BASE_URL   the API (default http://127.0.0.1:3000)
 * COUPON_ID  a coupon issuing now, with stock for RATE × DURATION issuances
 * RATE       requests per second (default 1500)
 * DURATION   how long (default 60s)
 * P99_MS     the p99 latency threshold in ms (default 50)
 *
 * Every 202 must end as one row: after the run, compare the issuances_accepted count with
 * `SELECT count(*) FROM user_coupons_storage WHERE coupon_id = <COUPON_ID>`. k6 does not run
 * on the project's machines: `pnpm bench` (loadtest/src) runs this load with autocannon and
 * does that check itself.
 */
import http from 'k6/http';
import { check } from 'k6';
import { Counter, Rate } from 'k6/metrics';
import exec from 'k6/execution';

const BASE_URL = __ENV.BASE_URL || 'http://127.0.0.1:3000';
const COUPON_ID = __ENV.COUPON_ID || '1';
const RATE = Number(__ENV.RATE || 1500);
const P99_MS = Number(__ENV.P99_MS || 50);
const RUN_ID = __ENV.RUN_ID || `${Date.now()}`;

const accepted = new Counter('issuances_accepted');
const errors = new Rate('errors');

export const options = {
  scenarios: {
    issue: {
      executor: 'constant-arrival-rate',
      rate: RATE,
      timeUnit: '1s',
      duration: __ENV.DURATION || '60s',
      preAllocatedVUs: 200,
      maxVUs: 2000,
    },
  },
  thresholds: {
    http_req_duration: [`p(99)<${P99_MS}`],
    errors: ['rate==0'],
    dropped_iterations: ['count==0'],
  },
};

export default function () {
  const userId = `k6-rate-${RUN_ID}-${exec.scenario.iterationInTest}`;
  const res = http.post(`${BASE_URL}/v1/coupons/${COUPON_ID}/issuances`, JSON.stringify({ userId }), {
    headers: { 'Content-Type': 'application/json' },
  });
  const ok = check(res, {
    'status is 202': (r) => r.status === 202,
    'pending with an issuance id': (r) => r.status === 202 && r.json('status') === 'pending' && !!r.json('issuanceId'),
  });
  if (res.status === 202) accepted.add(1);
  errors.add(!ok);
}
