import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SCENARIOS, machine, readResults, table } from './results';

// Prints the summary table; after a run of every scenario by `pnpm test:chaos`
// (CHAOS_RESULTS=write), also writes test/chaos/RESULTS.md. `pnpm test` runs the suite
// too, and must not rewrite a tracked file on every run.
export default function globalTeardown(): void {
  const rows = readResults();
  const minutes = (Date.now() - Number(process.env.CHAOS_STARTED_AT)) / 60_000;
  if (process.env.CHAOS_RESULTS_DIR) rmSync(process.env.CHAOS_RESULTS_DIR, { recursive: true, force: true });
  if (rows.length === 0) return;
  const text = table(rows);
  console.log(`\nChaos summary (${minutes.toFixed(1)} min)\n${text}\n`);
  if (rows.length < SCENARIOS || process.env.CHAOS_RESULTS !== 'write') return;
  const date = new Date().toISOString().slice(0, 16).replace('T', ' ');
  writeFileSync(join(__dirname, '..', 'RESULTS.md'), [
    '# Chaos suite results',
    '',
    `Run of \`pnpm test:chaos\` on ${date} UTC, ${minutes.toFixed(1)} minutes in all.`,
    `Machine: ${machine()}.`,
    '',
    text,
    '',
    'Columns: *requests* issue requests sent by the bounded client; *accepted* 202s; *maybe* requests',
    'that timed out or lost their connection after being sent (the server may have reserved them);',
    '*persisted* user_coupons_storage rows of the scenario\'s coupons after recovery and',
    'reconciliation; *lost* 202s without a row; *duplicates* rows beyond one per (coupon, user)',
    'or per issuance; *oversold* rows beyond stock; *recovery* seconds from the end of the fault',
    'until every accepted issuance was settled; *took* the scenario\'s wall time, servers included.',
    '',
  ].join('\n'));
}
