import { startTestApi, type TestApi } from './api';
import { createTestEnv, type TestEnv } from './env';
import { beforeAllValue, lateFields } from './hooks';
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
export function useTestStack(options: { worker?: boolean; apiVars?: Record<string, string> } = {}): TestStack {
  const hint = (key: keyof TestStack) => (key === 'worker' && !options.worker ? ' (useTestStack({ worker: true }) starts one)' : '');
  const { view, values } = lateFields<TestStack>(['env', 'api', 'worker'],
    (key) => `stack.${key} is read before useTestStack's beforeAll ran, or that beforeAll failed${hint(key)}`);
  beforeAll(async () => {
    values.env = await createTestEnv();
    values.api = await startTestApi(values.env, options.apiVars);
    if (options.worker) values.worker = await startTestWorker(values.env);
  });
  afterAll(async () => {
    await values.worker?.close();
    await values.api?.close();
    await values.env?.close();
  });
  return view;
}

/** Registers the file's beforeAll/afterAll around its slice of the servers alone. */
export function useTestEnv(): () => TestEnv {
  return beforeAllValue('the test env', createTestEnv, (env) => env.close());
}
