import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster, Redis } from 'ioredis';
import { REDIS_START_MS, redisAnswers, stopChild } from './net';
import { eventually } from './processes';

/**
 * A Redis Cluster of the test's own: `masters` redis-server processes with cluster mode on
 * (and `replicas` more per master), on private ports in a temp dir, joined by
 * `redis-cli --cluster create`. The machine's shared Redis is never touched; destroy() stops
 * each server by its own pid.
 */
export interface PrivateCluster {
  /** host:port,host:port — the service's REDIS_CLUSTER_NODES. */
  nodes: string;
  ports: number[];
  /** A cluster client of the test's own (no key prefix). */
  client(): Cluster;
  /** The port of the master that serves this key's slot. */
  portOfKey(key: string): Promise<number>;
  /** The ports of the replicas of the master on this port. */
  replicasOf(port: number): Promise<number[]>;
  /** Sends a signal (SIGSTOP, SIGCONT) to the node on this port. */
  signal(port: number, signal: NodeJS.Signals): void;
  destroy(): Promise<void>;
}

export async function createPrivateCluster(masters = 3, replicas = 0): Promise<PrivateCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'coupon-cluster-'));
  const ports = await clusterPorts(masters * (1 + replicas));
  const children: ChildProcess[] = [];
  const clients: Cluster[] = [];
  const destroy = async () => {
    for (const c of clients) c.disconnect();
    await Promise.all(children.map((child) => stopChild(child)));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await startCluster(dir, ports, replicas, children);
  } catch (error) {
    await destroy();
    throw error;
  }
  const nodes = ports.map((p) => `127.0.0.1:${p}`).join(',');
  return {
    nodes,
    ports,
    client() {
      const c = new Cluster(ports.map((port) => ({ host: '127.0.0.1', port })));
      clients.push(c);
      return c;
    },
    portOfKey: (key) => masterOfKey(ports[0]!, key),
    replicasOf,
    signal(port, signal) {
      children[ports.indexOf(port)]?.kill(signal);
    },
    destroy,
  };
}

/** Starts a cluster-enabled redis-server per port and joins them with `redis-cli --cluster create`. */
async function startCluster(dir: string, ports: number[], replicas: number, children: ChildProcess[]): Promise<void> {
  for (const port of ports) {
    children.push(spawn('redis-server', [
      '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no',
      '--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`, '--cluster-node-timeout', '5000',
    ], { stdio: 'ignore' }));
  }
  await Promise.all(ports.map(waitForPing));
  const created = spawnSync('redis-cli', [
    '--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', String(replicas), '--cluster-yes',
  ], { encoding: 'utf8', timeout: 30_000 });
  if (created.status !== 0) throw new Error(`redis-cli --cluster create failed:\n${created.stdout}\n${created.stderr}`);
  await Promise.all(ports.map(waitForClusterOk));
}

/** The port of the master that serves this key's slot, asked of the node on `port`. */
async function masterOfKey(port: number, key: string): Promise<number> {
  const probe = new Redis(port, '127.0.0.1');
  try {
    const slot = Number(await probe.call('CLUSTER', 'KEYSLOT', key));
    const ranges = (await probe.call('CLUSTER', 'SLOTS')) as [number, number, [string, number, ...unknown[]]][];
    const owner = ranges.find(([from, to]) => slot >= from && slot <= to);
    if (!owner) throw new Error(`no master serves slot ${slot}`);
    return owner[2][1];
  } finally {
    probe.disconnect();
  }
}

/** The ports of the master on `port`'s replicas. */
async function replicasOf(port: number): Promise<number[]> {
  const probe = new Redis(port, '127.0.0.1');
  try {
    const lines = String(await probe.call('CLUSTER', 'NODES')).trim().split('\n').map((l) => l.split(' '));
    const id = lines.find((l) => l[1]!.startsWith(`127.0.0.1:${port}@`))?.[0];
    return lines.filter((l) => l[3] === id).map((l) => Number(l[1]!.split(':')[1]!.split('@')[0]));
  } finally {
    probe.disconnect();
  }
}

/** `redis-cli --cluster create` has assigned the slots; the nodes agree within seconds. */
const CLUSTER_OK_MS = 10_000;
// A cluster node also listens on port + 10000 (the cluster bus), so both must be free
// and the pair must stay below 65536: ports are drawn from 20000-39999.
const BUS_PORT_OFFSET = 10_000;
const FIRST_PORT = 20_000;
const PORT_CHOICES = 20_000;

async function clusterPorts(count: number): Promise<number[]> {
  const ports: number[] = [];
  while (ports.length < count) {
    const port = FIRST_PORT + Math.floor(Math.random() * PORT_CHOICES);
    if (ports.includes(port)) continue;
    if ((await isFree(port)) && (await isFree(port + BUS_PORT_OFFSET))) ports.push(port);
  }
  return ports;
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

const waitForPing = (port: number) =>
  eventually(async () => ((await redisAnswers(`redis://127.0.0.1:${port}`)) ? true : undefined), REDIS_START_MS, `private cluster node on ${port}`);

async function waitForClusterOk(port: number): Promise<void> {
  const probe = new Redis(port, '127.0.0.1');
  try {
    await eventually(async () => (/cluster_state:ok/.test(String(await probe.call('CLUSTER', 'INFO'))) ? true : undefined),
      CLUSTER_OK_MS, `cluster node ${port} to report cluster_state:ok`);
  } finally {
    probe.disconnect();
  }
}
