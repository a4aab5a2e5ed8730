// The API entry point: one process, or a node:cluster of API_PROCESSES sharing the port.
// The server code is imported only where it serves: a cluster primary (which forks, migrates
// and sums metrics) never loads express, BullMQ or the routes.
import cluster from 'node:cluster';
import { loadApiConfig } from './config';

async function main(): Promise<void> {
  const config = loadApiConfig();
  const { runPrimary, shareMetricsWithPrimary } = await import('./ops/cluster');
  if (config.API_PROCESSES > 1 && cluster.isPrimary) return runPrimary(config);
  if (cluster.isWorker) shareMetricsWithPrimary();
  const { serve } = await import('./server');
  await serve(config);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
