import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, hostname, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import type { Audit } from './audit';

export interface ResultRow {
  order: number;
  scenario: string;
  requests: number;
  accepted: number;
  maybe: number;
  persisted: number;
  lost: number;
  duplicates: number;
  oversold: number;
  /** Seconds from the end of the fault until every accepted issuance was settled. */
  recovery: number | null;
  seconds: number;
  notes: string;
}

export const SCENARIOS = 9;

const dir = () => process.env.CHAOS_RESULTS_DIR ?? join(tmpdir(), 'coupon-chaos-results');

export function rowOf(order: number, scenario: string, result: Audit, extra: { recovery: number | null; seconds: number; notes?: string }): ResultRow {
  return {
    order, scenario, requests: result.requests, accepted: result.accepted, maybe: result.maybes, persisted: result.persisted,
    lost: result.lost.length, duplicates: result.duplicates, oversold: result.oversold,
    recovery: extra.recovery, seconds: extra.seconds, notes: extra.notes ?? '',
  };
}

export function recordResult(row: ResultRow): void {
  mkdirSync(dir(), { recursive: true });
  writeFileSync(join(dir(), `${row.order}.json`), JSON.stringify(row));
}

export function readResults(): ResultRow[] {
  try {
    return readdirSync(dir()).filter((f) => f.endsWith('.json'))
      .map((f) => JSON.parse(readFileSync(join(dir(), f), 'utf8')) as ResultRow)
      .sort((a, b) => a.order - b.order);
  } catch {
    return [];
  }
}

export function table(rows: ResultRow[]): string {
  const head = ['#', 'scenario', 'requests', 'accepted', 'maybe', 'persisted', 'lost', 'duplicates', 'oversold', 'recovery s', 'took s', 'notes'];
  const lines = rows.map((r) => [r.order, r.scenario, r.requests, r.accepted, r.maybe, r.persisted, r.lost, r.duplicates, r.oversold,
    r.recovery === null ? '-' : r.recovery.toFixed(1), r.seconds.toFixed(0), r.notes].map(String));
  return [head, head.map(() => '---'), ...lines].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

function version(command: string, args: string[]): string {
  try {
    return execFileSync(command, args, { encoding: 'utf8' }).trim().split('\n')[0]!;
  } catch {
    return 'unknown';
  }
}

export function machine(): string {
  const cpu = cpus();
  return [
    `${hostname()}: ${cpu.length} × ${cpu[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Linux ${release()}`,
    `Node ${process.version}, ${version('/usr/lib/postgresql/15/bin/postgres', ['--version'])}, ${version('redis-server', ['--version'])}`,
  ].join('; ');
}
