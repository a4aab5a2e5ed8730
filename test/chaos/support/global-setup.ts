import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Each scenario file writes its row of the summary table here; the teardown prints them.
export default function globalSetup(): void {
  process.env.CHAOS_RESULTS_DIR = mkdtempSync(join(tmpdir(), 'coupon-chaos-results-'));
  process.env.CHAOS_STARTED_AT = String(Date.now());
}
