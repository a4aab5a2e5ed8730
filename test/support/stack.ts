import { startTestApi, type TestApi } from './api';
import { createTestEnv, type TestEnv } from './env';
import { beforeAllValue } from './hooks';
import { startTestWorker, type TestWorker } from './worker';

/** This file's slice of the servers, the in-process API and, if asked, a worker. */
export interface TestStack {
  env: TestEnv;
  api: TestApi;
  /** Replaceable by a test (stop it to hold the queue, start another); the last one is closed. */
  worker: TestWorker;
}

/**
 * Registers the file's beforeAll/afterAll. The fields are getters: read before beforeAll ran
 * (or `worker` without `{ worker: true }`), they throw an error that says so.
 */
export function useTestStack(options: { worker?: boolean } = {}): TestStack {
  let env: TestEnv | undefined;
  let api: TestApi | undefined;
  let worker: TestWorker | undefined;
  beforeAll(async () => {
    env = await createTestEnv();
    api = await startTestApi(env);
    if (options.worker) worker = await startTestWorker(env);
  });
  afterAll(async () => {
    await worker?.close();
    await api?.close();
    await env?.close();
  });
  const ready = <T>(value: T | undefined, field: keyof TestStack): T => {
    if (value !== undefined) return value;
    const hint = field === 'worker' && !options.worker ? ' (useTestStack({ worker: true }) starts one)' : '';
    throw new Error(`stack.${field} is read before useTestStack's beforeAll ran, or that beforeAll failed${hint}`);
  };
  return {
    get env() {
      return ready(env, 'env');
    },
    get api() {
      return ready(api, 'api');
    },
    get worker() {
      return ready(worker, 'worker');
    },
    set worker(next) {
      worker = next;
    },
  };
}

/** Registers the file's beforeAll/afterAll around its slice of the servers alone. */
export function useTestEnv(): () => TestEnv {
  return beforeAllValue('the test env', createTestEnv, (env) => env.close());
}
