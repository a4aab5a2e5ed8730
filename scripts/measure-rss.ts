// `pnpm measure-rss`: the memory `pnpm start` holds at idle, per process, and its time to ready.
// It runs the command against the servers on the default ports with a database and Redis
// prefixes of its own, waits until the API and the worker answer /readyz, stays idle, reads
// /proc/<pid>/status of every process in the command's tree, stops it as Ctrl-C does and drops
// the database. VmRSS counts the node binary's pages, which all node processes share; RssAnon is
// what a process holds alone. `--load <s>` then issues a coupon from 32 client loops for that
// long and reads them again after the same idle time. Re-run on a quiet machine: a busy one
// inflates the times.
//
//   pnpm measure-rss                                   # `pnpm start`, idle 10 s
//   pnpm measure-rss --load 20                         # and again after 20 s of issuing
//   pnpm measure-rss --idle 30 --cwd ../other-checkout -- node --import tsx scripts/start.ts
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import pg from 'pg';

const ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
const ADMIN_TOKEN = 'measure-rss-admin-token';

interface Options { idleSeconds: number; loadSeconds: number; cwd: string; command: string[] }

function parseArgs(argv: string[]): Options {
  const options: Options = { idleSeconds: 10, loadSeconds: 0, cwd: path.resolve(__dirname, '..'), command: ['pnpm', 'start'] };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--idle') options.idleSeconds = Number(argv[++i]);
    else if (argv[i] === '--load') options.loadSeconds = Number(argv[++i]);
    else if (argv[i] === '--cwd') options.cwd = path.resolve(argv[++i]!);
    else if (argv[i] === '--') {
      options.command = argv.slice(i + 1);
      break;
    } else throw new Error(`unknown argument ${argv[i]}`);
  }
  if (!(options.idleSeconds >= 0 && options.loadSeconds >= 0) || options.command.length === 0) {
    throw new Error('usage: measure-rss [--idle s] [--load s] [--cwd dir] [-- command...]');
  }
  return options;
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const id = `rss_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const [port, workerPort] = [await freePort(), await freePort()];
  const started = Date.now();
  const child = spawn(options.command[0]!, options.command.slice(1), {
    cwd: options.cwd,
    env: {
      ...process.env, DATABASE_URL: `postgres://postgres@127.0.0.1:5432/${id}`, REDIS_KEY_PREFIX: `${id}:`,
      QUEUE_PREFIX: `{${id}}`, PORT: String(port), WORKER_PORT: String(workerPort), HOST: '127.0.0.1', LOG_LEVEL: 'warn',
      ADMIN_TOKEN, RATE_LIMIT_USER_ISSUE: '0',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
    detached: true, // its own process group, so the stop below reaches every process as Ctrl-C does
  });
  try {
    await Promise.all([ready(`http://127.0.0.1:${port}/readyz`, child.pid!), ready(`http://127.0.0.1:${workerPort}/readyz`, child.pid!)]);
    const readyMs = Date.now() - started;
    await idle(options);
    console.log(`${options.command.join(' ')} (in ${options.cwd}): ready in ${(readyMs / 1000).toFixed(1)} s; ` +
      `after ${options.idleSeconds} s idle:`);
    report(memoryOfTree(child.pid!));
    if (options.loadSeconds > 0) {
      const accepted = await issueFor(`http://127.0.0.1:${port}`, options.loadSeconds * 1000);
      await idle(options);
      console.log(`after ${accepted} issuances accepted in ${options.loadSeconds} s, then ${options.idleSeconds} s idle:`);
      report(memoryOfTree(child.pid!));
    }
  } finally {
    await stopGroup(child.pid!);
    await dropDatabase(id);
    deleteRedisKeys(id);
  }
}

async function ready(url: string, pid: number): Promise<void> {
  for (const deadline = Date.now() + 180_000; Date.now() < deadline;) {
    if (!alive(pid)) throw new Error('the command exited before it was ready');
    if ((await fetch(url).catch(() => null))?.ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${url} not ready after 180 s`);
}

interface Row { pid: number; role: string; vmRss: number; rssAnon: number }

function memoryOfTree(root: number): Row[] {
  const parents = new Map<number, number>();
  for (const line of execFileSync('ps', ['-e', '-o', 'pid=,ppid='], { encoding: 'utf8' }).trim().split('\n')) {
    const [pid, ppid] = line.trim().split(/\s+/).map(Number);
    parents.set(pid!, ppid!);
  }
  const tree = [root];
  for (let i = 0; i < tree.length; i++) for (const [pid, ppid] of parents) if (ppid === tree[i]) tree.push(pid);
  const command = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  return tree.flatMap((pid) => {
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
      const parent = parents.get(pid)!;
      return [{ pid, role: role(command(pid), tree.includes(parent) ? command(parent) : ''), vmRss: kb('VmRSS'), rssAnon: kb('RssAnon') }];
    } catch {
      return []; // a process that ended meanwhile (ps itself, a shell)
    }
  });
}

/** A short name for a process of the stack, from its command line and its parent's. */
function role(command: string, parentCommand: string): string {
  const api = (c: string) => /apps\/api\//.test(c);
  if (api(command)) return api(parentCommand) ? 'api process' : 'api (primary, or the one process)';
  if (/apps\/worker\//.test(command)) return 'worker';
  if (/scripts\/start\.ts|dist\/start\.js/.test(command)) return `start + supervisor (${command})`;
  return command.length > 70 ? `${command.slice(0, 67)}...` : command;
}

const idle = (options: Options) => new Promise((r) => setTimeout(r, options.idleSeconds * 1000));

/** An unlimited coupon issued to new users from 32 loops; returns the number of 202s. */
async function issueFor(base: string, ms: number): Promise<number> {
  const hour = 3600_000;
  const coupon = await fetch(`${base}/v1/coupons`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` },
    body: JSON.stringify({
      name: 'measure-rss', type: 'unlimited', count: 0, startDate: new Date(Date.now() - hour).toISOString(),
      endDate: new Date(Date.now() + 24 * hour).toISOString(), expireMinute: 60, discountType: 'percent', discountAmount: 10,
    }),
  });
  if (coupon.status !== 201) throw new Error(`creating the coupon answered ${coupon.status}: ${await coupon.text()}`);
  const { id } = (await coupon.json()) as { id: number };
  const until = Date.now() + ms;
  let next = 0;
  let accepted = 0;
  await Promise.all(Array.from({ length: 32 }, async () => {
    while (Date.now() < until) {
      const res = await fetch(`${base}/v1/coupons/${id}/issuances`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userId: `rss_${next++}` }),
      }).catch(() => null);
      if (res?.status === 202) accepted++;
      await res?.arrayBuffer();
    }
  }));
  return accepted;
}

function report(rows: Row[]): void {
  const mb = (kb: number) => (kb / 1024).toFixed(0).padStart(5);
  console.log('  VmRSS MB  RssAnon MB  process');
  for (const row of rows) console.log(`  ${mb(row.vmRss)}     ${mb(row.rssAnon)}       ${row.role} [${row.pid}]`);
  const total = (field: 'vmRss' | 'rssAnon') => rows.reduce((sum, row) => sum + row[field], 0);
  console.log(`  ${mb(total('vmRss'))}     ${mb(total('rssAnon'))}       total of ${rows.length} processes`);
}

async function stopGroup(pid: number): Promise<void> {
  const signal = (s: NodeJS.Signals) => {
    try {
      process.kill(-pid, s);
    } catch {
      // the group is gone
    }
  };
  signal('SIGINT');
  for (const deadline = Date.now() + 30_000; Date.now() < deadline && groupAlive(pid);) await new Promise((r) => setTimeout(r, 100));
  signal('SIGKILL');
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const groupAlive = (pgid: number) => alive(-pgid);

async function dropDatabase(name: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

/** Through redis-cli, when there is one: the keys under this run's prefixes. */
function deleteRedisKeys(id: string): void {
  try {
    // a loaded run leaves ~1 key per issuance: more than execFileSync's default 1 MB of output
    const scan = execFileSync('redis-cli', ['--scan', '--pattern', `*${id}*`], { encoding: 'utf8', maxBuffer: 256 << 20 });
    const keys = scan.split('\n').filter(Boolean);
    for (let i = 0; i < keys.length; i += 100) execFileSync('redis-cli', ['del', ...keys.slice(i, i + 100)]);
  } catch (error) {
    console.error(`(left the Redis keys matching *${id}*: ${(error as Error).message})`);
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
