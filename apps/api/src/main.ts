// The API entry point: one process, or a node:cluster of API_PROCESSES sharing the port.
import cluster from 'node:cluster';
import { loadApiConfig } from './config';
import { runPrimary, shareMetricsWithPrimary } from './ops/cluster';
import { serve } from './server';

async function main(): Promise<void> {
  const config = loadApiConfig();
  if (config.API_PROCESSES > 1 && cluster.isPrimary) return runPrimary(config);
  if (cluster.isWorker) shareMetricsWithPrimary();
  await serve(config);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
