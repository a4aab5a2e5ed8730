import { startTestApi, type TestApi } from './api';
import { createTestEnv, type TestEnv } from './env';
import { startTestWorker, type TestWorker } from './worker';

/** This file's slice of the servers, the in-process API and, if asked, a worker. */
export interface TestStack {
  env: TestEnv;
  api: TestApi;
  /** Replaceable by a test (stop it to hold the queue, start another); the last one is closed. */
  worker: TestWorker;
}

/** Registers the file's beforeAll/afterAll; the fields are set once beforeAll has run. */
export function useTestStack(options: { worker?: boolean } = {}): TestStack {
  const stack = {} as TestStack;
  beforeAll(async () => {
    stack.env = await createTestEnv();
    stack.api = await startTestApi(stack.env);
    if (options.worker) stack.worker = await startTestWorker(stack.env);
  });
  afterAll(async () => {
    await stack.worker?.close();
    await stack.api?.close();
    await stack.env?.close();
  });
  return stack;
}
