// Shared pieces of the capacity micro-benchmarks: a private redis-server, CPU readings from
// /proc, the load average, and the coupon/issuance values the scripts reserve and persist.
// The figures that matter are CPU time per operation of the server process, which stay
// meaningful on a shared machine where wall-clock throughput does not.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import type { CouponSnapshot, IssuanceItem, PersistedSource } from '@coupon/issuance';

/** Linux's USER_HZ: /proc/<pid>/stat counts CPU time in these ticks (`getconf CLK_TCK`). */
const TICKS_PER_SECOND = 100;

export function loadAverage(): string {
  return loadavg().map((n) => n.toFixed(2)).join(' ');
}

/** The line every script prints first: when, where, how busy the machine was. */
export function printHeader(name: string): void {
  console.log(`# ${name} — ${new Date().toISOString()}, load average ${loadAverage()}`);
}

/** CPU seconds (user + system) a process has used so far. */
export function cpuSecondsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

/** CPU seconds this node process has used so far. */
export function ownCpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

export interface Span {
  wallSeconds: number;
  /** CPU seconds each watched process (or tree) spent during the span, by the reader's name. */
  cpu: Record<string, number>;
  /** CPU seconds this process spent. */
  clientCpuSeconds: number;
  /** The load average at the end. */
  load: string;
}

/** Runs `work` and reads the CPU the watched processes (name → CPU seconds so far) and this one spent on it. */
export async function measure(readers: Record<string, () => number>, work: () => Promise<void>): Promise<Span> {
  const before = Object.fromEntries(Object.entries(readers).map(([name, read]) => [name, read()]));
  const ownBefore = ownCpuSeconds();
  const start = process.hrtime.bigint();
  await work();
  const wallSeconds = Number(process.hrtime.bigint() - start) / 1e9;
  const cpu = Object.fromEntries(Object.entries(readers).map(([name, read]) => [name, read() - before[name]!]));
  return { wallSeconds, cpu, clientCpuSeconds: ownCpuSeconds() - ownBefore, load: loadAverage() };
}

/**
 * CPU seconds of every postgres process on the machine, as a reader for measure(): each call
 * returns the running total of the CPU spent by processes since the first call, so a
 * backend of someone else's that exits in between does not take its past CPU with it.
 */
export function postgresCpuSeconds(): () => number {
  let seen = new Map<number, number>();
  let total = 0;
  const read = () => {
    const now = new Map<number, number>();
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() !== 'postgres') continue;
        now.set(Number(entry), cpuSecondsOf(Number(entry)));
      } catch {
        // gone
      }
    }
    for (const [pid, seconds] of now) total += seconds - (seen.get(pid) ?? 0);
    seen = now;
    return total;
  };
  read();
  total = 0;
  return read;
}

export const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface PrivateRedis {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/**
 * A redis-server of our own (no persistence, so no fork or fsync shows in its CPU), stopped
 * by its pid. The machine's shared server is never touched.
 */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'coupon-capacity-'));
  const child: ChildProcess = spawn('redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
  const url = `redis://127.0.0.1:${port}`;
  const probe = new Redis(url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
  probe.on('error', () => {}); // refused until the server listens
  for (let i = 0; ; i++) {
    try {
      await probe.connect();
      await probe.ping();
      probe.disconnect();
      break;
    } catch {
      if (i === 100) throw new Error(`private redis-server on ${port} did not start`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    url,
    pid: child.pid!,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A coupon open for a year with room for every reservation a script makes. */
export function openCoupon(id: number, count = 1_000_000_000): CouponSnapshot {
  const now = Date.now();
  return {
    id, type: 'limited', count, startDate: new Date(now - 60_000), endDate: new Date(now + 365 * 86_400_000),
    deletedAt: null, expireMinute: 60 * 24 * 30, discountType: 'percent', discountAmount: 10, version: 1,
  };
}

/** The PostgreSQL side of the store, answered from memory: no holders were ever persisted. */
export function memorySource(coupons: CouponSnapshot[]): PersistedSource {
  const byId = new Map(coupons.map((c) => [c.id, c]));
  return { coupon: async (id) => byId.get(id), holders: async () => [] };
}

/** A user id like the bench's (`<tag>-<n>`, ~20 characters). */
export const userId = (tag: string, n: number) => `${tag}-${String(n).padStart(8, '0')}`;

/** An accepted issuance as the reservation script would have produced it. */
export function issuanceItem(couponId: number, user: string, sequence: number, issuanceId: string): IssuanceItem {
  const now = Date.now();
  return {
    issuanceId, couponId, userId: user, sequence, requestedAt: now, expireAt: now + 30 * 86_400_000,
    discountType: 'percent', discountAmount: 10, requestId: '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0',
  };
}

export function runTag(): string {
  return Math.random().toString(36).slice(2, 8);
}

const ADMIN_DATABASE_URL = process.env.CAPACITY_ADMIN_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface ScratchDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** A database of our own on the shared server (created empty, dropped at the end). */
export async function createScratchDatabase(): Promise<ScratchDatabase> {
  const name = `coupon_capacity_${runTag()}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: ADMIN_DATABASE_URL });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE "${name}"`);
  const url = new URL(ADMIN_DATABASE_URL);
  url.pathname = `/${name}`;
  return { name, url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`) };
}
