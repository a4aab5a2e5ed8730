// The one table: median over runs of every figure, with each run's headline rate beside it.
import { DURABILITY_PHASES, type BenchConfig, type Phase } from './config';
import { DURABILITY_SETUPS } from './durability';
import type { PhaseResult } from './phases';
import { fileSystemOf } from './redis-servers';

export type RunResults = Partial<Record<Phase, PhaseResult>>;

function median(values: number[]): number {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
}

const num = (x: number, digits = 0) => (Number.isFinite(x) ? x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : '—');
const ms = (x: number) => (Number.isFinite(x) ? `${num(x, x < 10 ? 1 : 0)} ms` : '—');
const mib = (x: number) => (Number.isFinite(x) ? `${num(x)} MiB` : '—');

export function renderTable(config: BenchConfig, runs: RunResults[]): string {
  const of = (phase: Phase) => runs.map((r) => r[phase]).filter((r): r is PhaseResult => r !== undefined);
  const med = (phase: Phase, pick: (r: PhaseResult) => number | undefined) => median(of(phase).map((r) => pick(r) ?? NaN));
  const each = (phase: Phase) => (runs.length > 1 ? ` (runs: ${of(phase).map((r) => num(r.rate)).join(' / ')})` : '');
  const extra = (phase: Phase, key: string) => med(phase, (r) => r.extra[key]);
  const ratio = (phase: Phase) => num(median(runs.map((r) => (r[phase] && r.ceiling ? r[phase].rate / r.ceiling.rate : NaN))), 2);
  const jwtRatios = runs.map((r) => (r.peak && r['peak-jwt'] ? r['peak-jwt'].rate / r.peak.rate : NaN));

  const rows: string[][] = [];
  const add = (phase: Phase, load: string, rate: string, notes: string) => {
    if (of(phase).length === 0) return;
    rows.push([
      phase, load, rate + each(phase), ms(med(phase, (r) => r.p50)), ms(med(phase, (r) => r.p99)), num(med(phase, (r) => r.errors)),
      phase === 'ceiling' ? '1' : num(serverCpu(runs, phase), 2), notes,
    ]);
  };
  const cpu = (phase: Phase) => cpuNotes((key) => extra(phase, key));
  add('ceiling', `${config.connections} conn, ${config.peakSeconds} s, bare express 202`, `${num(med('ceiling', (r) => r.rate))} req/s`, `${config.apiProcesses} processes (node:cluster); ${cpu('ceiling')}`);
  add('peak', `${config.connections} conn, ${config.peakSeconds} s, issue`, `${num(med('peak', (r) => r.rate))} accepted/s`, `${ratio('peak')} × ceiling; ${cpu('peak')}`);
  add(
    'peak-jwt',
    `${config.connections} conn, ${config.peakSeconds} s, issue with a user JWT each (RS256, pre-signed)`,
    `${num(med('peak-jwt', (r) => r.rate))} accepted/s`,
    `${num(median(jwtRatios), 2)} × peak; AUTH_MODE=jwt, JWT_PUBLIC_KEY; ${cpu('peak-jwt')}; tokens signed during the load ${num(extra('peak-jwt', 'tokensSignedLive'))}`,
  );
  add(
    'sustained',
    `${num(config.sustainedRate)} req/s fixed, ${config.sustainedSeconds} s`,
    `${num(med('sustained', (r) => r.rate))} accepted/s`,
    `rows ${num(extra('sustained', 'rowsPerSecond'))}/s; lag p50 ${ms(extra('sustained', 'lagP50'))}, p99 ${ms(extra('sustained', 'lagP99'))}; ` +
      `RSS api ${mib(extra('sustained', 'apiRssStart'))} → ${mib(extra('sustained', 'apiRssEnd'))}, ` +
      `worker ${mib(extra('sustained', 'workerRssStart'))} → ${mib(extra('sustained', 'workerRssEnd'))}; ${cpu('sustained')}`,
  );
  add('seed', `${config.connections} conn, ${config.seedSeconds} s, list + issue`, `${num(med('seed', (r) => r.rate))} iterations/s`, `${ratio('seed')} × ceiling; latency over both requests; ${num(extra('seed', 'lists'))} lists/s; ${cpu('seed').replace('µs/req', 'µs/iteration')}`);
  add(
    'flash',
    `${num(config.flashUsers)} users (1 conn each), ${config.flashSeconds} s, issue then long poll (wait=${config.flashWaitSeconds}) until settled`,
    `${num(med('flash', (r) => r.rate))} sales/s`,
    `p50/p99: request → outcome known; 202 itself p50 ${ms(extra('flash', 'acceptP50'))}, p99 ${ms(extra('flash', 'acceptP99'))}; ` +
      `${num(extra('flash', 'pollsPerSale'), 2)} polls per sale; ${cpu('flash')}`,
  );
  add(
    'drain',
    `${num(config.drainCount)} pending, worker started`,
    `${num(med('drain', (r) => r.rate))} rows/s`,
    `${ratio('drain')} × ceiling; all written ${num(extra('drain', 'wallSeconds'), 1)} s after the worker's spawn; filled at ${num(extra('drain', 'fillPerSecond'))} accepted/s`,
  );

  const header = ['phase', 'load', 'throughput', 'p50', 'p99', 'errors', 'server CPU per issuance ÷ ceiling server CPU per request', 'notes'];
  const table = [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
  const durability = durabilityTable(config, runs, cpu);
  return durability ? `${table}\n\n${durability}` : table;
}

const line = (cells: string[]) => `| ${cells.join(' | ')} |`;

/**
 * The service's CPU per accepted issuance (all four server parties) over the bare server's
 * CPU per request, each run against its own ceiling.
 */
function serverCpu(runs: RunResults[], phase: Phase): number {
  return median(runs.map((r) => {
    const p = r[phase];
    const ceilingUs = r.ceiling?.extra['cpuUs.server'];
    if (!p || !ceilingUs) return NaN;
    return ['api', 'worker', 'redis', 'postgres'].reduce((sum, k) => sum + (p.extra[`cpuUs.${k}`] ?? NaN), 0) / ceilingUs;
  }));
}

/** "CPU µs/req: api …, worker …" from the parties a phase measured. */
function cpuNotes(extra: (key: string) => number): string {
  const parts = ['server', 'api', 'worker', 'redis', 'replica', 'postgres', 'client']
    .map((k) => [k, extra(`cpuUs.${k}`)] as const)
    .filter(([, v]) => Number.isFinite(v))
    .map(([k, v]) => `${k} ${num(v)}`);
  return parts.length ? `CPU µs/req: ${parts.join(', ')}` : '';
}

/** The cost of each Redis durability setup: peak on private servers, against `local` without AOF. */
function durabilityTable(config: BenchConfig, runs: RunResults[], cpu: (phase: Phase) => string): string | null {
  const ran = DURABILITY_PHASES.filter((phase) => runs.some((r) => r[phase]));
  if (ran.length === 0) return null;
  const header = ['durability', 'peak accepted/s', 'p50', 'p99', 'errors', '× `local` no-AOF peak', 'notes'];
  const rows = ran.map((phase) => {
    const of = runs.map((r) => r[phase]).filter((r): r is PhaseResult => r !== undefined);
    const med = (pick: (r: PhaseResult) => number | undefined) => median(of.map((r) => pick(r) ?? NaN));
    const each = runs.length > 1 ? ` (runs: ${of.map((r) => num(r.rate)).join(' / ')})` : '';
    const ratio = median(runs.map((r) => (r[phase] && r['peak-local'] ? r[phase].rate / r['peak-local'].rate : NaN)));
    const notes = [cpu(phase)];
    if (phase === 'peak-replica') {
      const waits = med((r) => r.extra.waitCalls);
      notes.push(waits > 0 ? `WAIT calls ${num(waits)} (${num(med((r) => r.extra.issuancesPerWait), 1)} issuances per WAIT)` : 'no WAIT reached Redis: the API answered without replica acknowledgement');
    }
    const unavailable = med((r) => r.extra.unavailable);
    if (unavailable > 0) notes.push(`503s ${num(unavailable)}`);
    return [DURABILITY_SETUPS[phase].label, num(med((r) => r.rate)) + each, ms(med((r) => r.p50)), ms(med((r) => r.p99)), num(med((r) => r.errors)), num(ratio, 2), notes.filter(Boolean).join('; ')];
  });
  return [
    `Durability: ${config.connections} conn, ${config.peakSeconds} s, issue, each on private redis-servers (AOF in ${config.redisDir}, ${fileSystemOf(config.redisDir)}) with its own API + worker`,
    '',
    line(header), line(header.map(() => '---')), ...rows.map(line),
  ].join('\n');
}
