import { loadWorkerConfig } from '@coupon/worker/config';
import { closeWorkerContext, createWorkerContext, type WorkerContext } from '@coupon/worker/context';
import { startWorkers } from '@coupon/worker/workers';
import type { TestEnv } from './env';

export interface TestWorker {
  ctx: WorkerContext;
  close(): Promise<void>;
}

/** The real BullMQ workers and batcher, in this process, on the file's own slice. */
export async function startTestWorker(env: TestEnv, vars: Record<string, string> = {}): Promise<TestWorker> {
  const ctx = createWorkerContext(loadWorkerConfig({ BATCH_WAIT_MS: '5', ...env.vars, ...vars }));
  const workers = await startWorkers(ctx);
  return {
    ctx,
    async close() {
      await workers.close();
      await closeWorkerContext(ctx);
    },
  };
}
