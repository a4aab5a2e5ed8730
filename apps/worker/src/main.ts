// The worker process: persists accepted issuances in batches and runs the reconciler.
import { migrateToLatest } from '@coupon/db';
import { loadWorkerConfig } from './config';
import { closeWorkerContext, createWorkerContext } from './context';
import { startOpsServer } from './ops/server';
import { startWorkers } from './workers';

async function main(): Promise<void> {
  const config = loadWorkerConfig();
  const ctx = createWorkerContext(config);
  if (config.MIGRATE_ON_START) await migrateToLatest(ctx.db);
  const workers = await startWorkers(ctx);
  const ops = await startOpsServer(ctx, workers.liveness);
  ctx.log.info({ batchSize: config.BATCH_SIZE, concurrency: config.WORKER_CONCURRENCY }, 'worker started');
  ctx.log.info({ port: config.WORKER_PORT }, 'worker ops server listening');

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    ctx.log.info({ signal }, 'worker draining');
    const grace = setTimeout(() => {
      ctx.log.error('shutdown grace period exceeded; unfinished jobs will be retried');
      process.exit(1);
    }, config.SHUTDOWN_GRACE_MS);
    await workers.close();
    ops.close();
    await closeWorkerContext(ctx);
    clearTimeout(grace);
    ctx.log.info('worker stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
