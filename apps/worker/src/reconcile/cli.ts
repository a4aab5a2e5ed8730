// `pnpm reconcile`: one reconciliation pass now, printed as JSON (the worker also runs it
// on a schedule).
import { loadWorkerConfig } from '../config';
import { closeWorkerContext, createWorkerContext } from '../context';
import { reconcile } from './reconciler';

async function main(): Promise<void> {
  const config = loadWorkerConfig();
  const ctx = createWorkerContext(config);
  try {
    const report = await reconcile(ctx);
    console.log(JSON.stringify(report, null, 2));
  } finally {
    await closeWorkerContext(ctx);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
