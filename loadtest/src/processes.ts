import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stopChild } from '@coupon/test/support/net';

export const ROOT = join(__dirname, '..', '..');

export interface Child {
  pid: number;
  process: ChildProcess;
  output(): string;
  /** SIGTERM, then SIGKILL if it has not exited after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Runs a TypeScript entry point under node (not the tsx wrapper, so its pid is the app's).
 * Its output goes straight to `logFile`: the bench process must not spend CPU reading logs.
 */
export function spawnNode(entry: string, env: Record<string, string>, logFile: string, nodeArgs: string[] = [], root = ROOT): Child {
  const fd = openSync(logFile, 'a');
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', join(root, entry)], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  const output = () => `${logFile}:\n${readFileSync(logFile, 'utf8').slice(-5000)}`;
  return {
    pid: child.pid!,
    process: child,
    output,
    stop: (graceMs = 30_000) => stopChild(child, 'SIGTERM', graceMs),
  };
}

function childrenByParent(): Map<number, number[]> {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // the command may hold spaces and parentheses: the ppid is the 2nd field after the last ')'
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // the process ended while we looked
    }
  }
  return children;
}

/** Sums `read(pid)` over a process and all its descendants, e.g. a node:cluster primary and its workers. */
function sumOverTree(pid: number, read: (pid: number) => number): number {
  const children = childrenByParent();
  let sum = 0;
  const visit = (p: number) => {
    try {
      sum += read(p);
    } catch {
      return;
    }
    for (const c of children.get(p) ?? []) visit(c);
  };
  visit(pid);
  return sum;
}

/** Resident memory (MiB) of a process tree, from /proc/<pid>/status VmRSS. */
export function treeRssMiB(pid: number): number {
  return sumOverTree(pid, (p) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0)) / 1024;
}

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** utime + stime; with `reapedChildren`, plus cutime + cstime: the time of children that ended and were waited for. */
function cpuSeconds(pid: number, reapedChildren = false): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const own = Number(fields[11]) + Number(fields[12]);
  return (reapedChildren ? own + Number(fields[13]) + Number(fields[14]) : own) / TICKS_PER_SECOND;
}

/** CPU seconds (user + system) used so far by a process tree. */
export function treeCpuSeconds(pid: number): number {
  return sumOverTree(pid, cpuSeconds);
}

/**
 * The pid of the redis-server listening on `port` (others may run private ones on this
 * machine), to see its share of the work; null when not found.
 */
export function redisServerPid(port: number): number | null {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() !== 'redis-server') continue;
      // redis-server names its listening address in its process title: "redis-server 127.0.0.1:6379"
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(`:${port}`)) return Number(entry);
    } catch {
      // gone
    }
  }
  return null;
}

/**
 * CPU seconds used so far by every PostgreSQL process on this machine (the postmaster, its
 * backends and background workers, whichever cluster): the database's share of the work.
 * The server is shared, so on a busy machine this is an upper bound. Backends that ended
 * (a pool closing idle connections) count through the postmaster's reaped-children time,
 * else the sum would drop when they go.
 */
export function postgresCpuSeconds(): number {
  let sum = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() !== 'postgres') continue;
      sum += cpuSeconds(Number(entry), true);
    } catch {
      // gone
    }
  }
  return sum;
}
