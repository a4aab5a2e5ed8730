import { spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequestListener } from '@coupon/api/app';
import { startOpsServer } from '@coupon/worker/ops/server';
import { startTestApi, type TestApi } from '../support/api';
import { requireBinary, startPrivatePrometheus, type PrivatePrometheus } from '../support/private-prometheus';
import { eventually } from '../support/processes';
import { startTestWorker, type TestWorker } from '../support/worker';
import { useTestStack } from '../support/stack';

// ops/prometheus/alerts.yml: its promtool unit tests, and a real Prometheus scraping a real
// API and worker and evaluating it.
const DIR = join(__dirname, '..', '..', 'ops', 'prometheus');
const rules = readFileSync(join(DIR, 'alerts.yml'), 'utf8');

function promtool(...args: string[]): string {
  const run = spawnSync(requireBinary('promtool'), args, { cwd: DIR, encoding: 'utf8', timeout: 60_000 });
  expect({ args, status: run.status, output: run.status === 0 ? '' : run.stdout + run.stderr }).toEqual({ args, status: 0, output: '' });
  return run.stdout;
}

describe('promtool', () => {
  it('accepts the rules and the example configuration', () => {
    expect(promtool('check', 'rules', 'alerts.yml')).toMatch(/SUCCESS: 9 rules found/);
    promtool('check', 'config', 'prometheus.yml');
  });

  it('passes the unit tests of alerts.test.yml', () => {
    expect(promtool('test', 'rules', 'alerts.test.yml')).toMatch(/SUCCESS/);
  });
});

describe('a real Prometheus scraping the API and the worker', () => {
  const stack = useTestStack();
  const servers: Server[] = [];
  let draining: TestApi;
  let worker: TestWorker;
  let prometheus: PrivatePrometheus;
  const targets = { api: '', drainingApi: '', worker: '' };

  const listen = async (server: Server) => {
    servers.push(server);
    if (!server.listening) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `127.0.0.1:${(server.address() as AddressInfo).port}`;
  };

  beforeAll(async () => {
    targets.api = await listen(createServer(createRequestListener(stack.api.ctx)));
    // a second API process that is shutting down: not ready, so CouponNotReady must fire for it
    draining = await startTestApi(stack.env);
    targets.drainingApi = await listen(createServer(createRequestListener(draining.ctx, { accepting: false })));
    worker = await startTestWorker(stack.env, { WORKER_PORT: '0', HOST: '127.0.0.1' });
    targets.worker = await listen(await startOpsServer(worker.ctx, { lastProgressAt: Date.now(), accepting: true }));

    const config = [
      'global: { scrape_interval: 1s, evaluation_interval: 1s }',
      'rule_files: [alerts.yml, test-rules.yml]',
      'scrape_configs:',
      `  - { job_name: coupon-api, static_configs: [{ targets: ['${targets.api}', '${targets.drainingApi}'] }] }`,
      `  - { job_name: coupon-worker, static_configs: [{ targets: ['${targets.worker}'] }] }`,
    ].join('\n');
    // the real rules with every `for:` cut to nothing, so an alert fires at its first evaluation
    const fast = rules.replace(/^(\s+)for: \S+$/gm, '$1for: 0s');
    const testRules = [
      'groups:',
      '  - name: test-only',
      '    rules:',
      '      - { alert: TestWorkerScrapedAndReady, expr: "coupon_ready{job=\\"coupon-worker\\"} == 1" }',
    ].join('\n');
    prometheus = await startPrivatePrometheus(config, { 'alerts.yml': fast, 'test-rules.yml': testRules });
  }, 60_000);

  afterAll(async () => {
    await prometheus?.destroy();
    for (const server of servers) server.close();
    await draining?.close();
    await worker?.close();
  });

  const firing = async () => ((await prometheus.api('alerts')).alerts as any[]).filter((a) => a.state === 'firing');

  it('fires CouponNotReady for the draining API only, and the test rule for the worker', async () => {
    const alerts = await eventually(async () => {
      const now = await firing();
      const names = now.map((a) => a.labels.alertname);
      return names.includes('CouponNotReady') && names.includes('TestWorkerScrapedAndReady') ? now : undefined;
    }, 30_000, 'the alerts to fire');
    const notReady = alerts.filter((a) => a.labels.alertname === 'CouponNotReady').map((a) => a.labels);
    expect(notReady).toEqual([expect.objectContaining({ job: 'coupon-api', instance: targets.drainingApi, severity: 'critical' })]);
    const scraped = alerts.filter((a) => a.labels.alertname === 'TestWorkerScrapedAndReady').map((a) => a.labels.instance);
    expect(scraped).toEqual([targets.worker]);
    // every target answers and nothing else is wrong with this healthy stack
    expect(alerts.map((a) => a.labels.alertname).sort()).toEqual(['CouponNotReady', 'TestWorkerScrapedAndReady']);
  }, 60_000);

  it('evaluates every rule without error', async () => {
    await eventually(async () => {
      const groups = (await prometheus.api('rules')).groups as any[];
      const ruleList = groups.flatMap((g) => g.rules);
      return ruleList.length === 10 && ruleList.every((r) => r.lastEvaluation !== '0001-01-01T00:00:00Z') ? true : undefined;
    }, 30_000, 'every rule to be evaluated');
    const groups = (await prometheus.api('rules')).groups as any[];
    for (const rule of groups.flatMap((g) => g.rules)) {
      expect({ rule: rule.name, health: rule.health, error: rule.lastError ?? '' }).toEqual({ rule: rule.name, health: 'ok', error: '' });
    }
  }, 60_000);

  it('finds every metric the rules name among what the API and the worker export', async () => {
    const named = new Set([...rules.matchAll(/\b(coupon_[a-z_]+|bullmq_[a-z_]+|http_request_[a-z_]+|up)\b/g)].map((m) => m[1]!));
    // exported by the worker once the lead's issuance change lands; the rules are written against these names
    const exported = await eventually(async () => {
      const metadata = await prometheus.api<Record<string, unknown>>('metadata');
      const names = new Set([...Object.keys(metadata), ...(await prometheus.api<string[]>('label/__name__/values'))]);
      return names.has('coupon_persist_lag_seconds') && names.has('bullmq_job_count') ? names : undefined;
    }, 30_000, 'the metadata of both targets');
    for (const name of named) {
      const family = name.replace(/_(bucket|count|sum)$/, '');
      expect({ name, exported: exported.has(name) || exported.has(family) }).toEqual({ name, exported: true });
    }
  }, 60_000);
});
