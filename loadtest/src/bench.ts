// `pnpm bench`: starts the stack (or uses BENCH_URL), runs the phases BENCH_RUNS times and
// prints one table plus a check line per phase. See loadtest/RESULTS.md for the figures.
import { randomBytes } from 'node:crypto';
import { execSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { config, type Phase } from './config';
import { closeDurabilityStacks } from './durability';
import * as phases from './phases';
import { ROOT } from './processes';
import { closeAllRedisSetups } from './redis-servers';
import { startStack } from './stack';
import { renderTable, type RunResults } from './table';

const log = (line: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}`);

async function main(): Promise<number> {
  log(`phases ${config.phases.join(', ')}; runs ${config.runs}${config.short ? '; BENCH_SHORT' : ''}`);
  const stack = await startStack(config);
  let stopping = false;
  const interrupt = async () => {
    if (stopping) return;
    stopping = true;
    log('interrupted: stopping the stack and deleting the bench data');
    await closeDurabilityStacks();
    await closeAllRedisSetups(); // one whose stack was still starting
    await stack.close().catch(() => {});
    process.exit(130);
  };
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);

  const runs: RunResults[] = [];
  let failed = 0;
  try {
    log(`api ${stack.apiUrl}, ceiling ${stack.ceilingUrl}`);
    for (let i = 0; i < config.runs; i++) {
      const run: phases.RunContext = { config, stack, tag: `r${i}${randomBytes(3).toString('hex')}`, log };
      const results: RunResults = {};
      if (config.warmupSeconds > 0) await phases.warmup(run);
      for (const phase of config.phases) {
        if ((phase === 'drain' && !stack.worker) || (phase === 'peak-jwt' && !stack.jwt)) {
          log(`${phase} skipped: it needs a stack of its own (BENCH_URL is set)`);
          continue;
        }
        log(`run ${i + 1}/${config.runs}: ${phase}`);
        const result = await phases.runners[phase satisfies Phase](run, results);
        failed += result.checks.filter((c) => !c.ok).length;
        results[phase] = result;
        log(`${phase}: ${result.rate.toFixed(0)}/s, p50 ${result.p50 ?? '—'} ms, p99 ${result.p99 ?? '—'} ms, errors ${result.errors ?? '—'} ${JSON.stringify(result.extra)}`);
      }
      runs.push(results);
    }
  } finally {
    stopping = true;
    await stack.close();
  }

  console.log(`\n${describeMachine()}\n`);
  console.log(renderTable(config, runs));
  console.log(failed ? `\n${failed} check(s) FAILED` : '\nall checks OK');
  return failed ? 1 : 0;
}

function describeMachine(): string {
  const commit = (() => {
    try {
      return execSync('git rev-parse --short HEAD', { cwd: ROOT }).toString().trim() + (execSync('git status --porcelain', { cwd: ROOT }).toString().trim() ? ' (+ uncommitted changes)' : '');
    } catch {
      return 'unknown';
    }
  })();
  return [
    `date ${new Date().toISOString()}, commit ${commit}`,
    `${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, node ${process.version}, load average at end ${execSync('cat /proc/loadavg').toString().split(' ').slice(0, 3).join(' ')}`,
  ].join('\n');
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
