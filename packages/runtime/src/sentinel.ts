import type { Socket } from 'node:net';
import { Redis, type RedisOptions } from 'ioredis';

/**
 * Moves a client off a primary that the sentinels replaced while it stayed reachable (a
 * manual `SENTINEL FAILOVER`, a healed partition). Such a primary keeps accepting writes
 * until the sentinels demote it, seconds later, and those writes are lost when it resyncs
 * from the new one. Each sentinel announces the switch on `+switch-master`; a client that is
 * ready on another server then reconnects, and ioredis asks the sentinels again.
 *
 * ioredis's own `failoverDetector` does this too but also disconnects a client that is in
 * the middle of asking a sentinel, which ends that client for good ("Connection is
 * closed."): this one only touches a client whose status is `ready`.
 */
export function followSwitchMaster(
  client: Redis, sentinels: { host: string; port: number }[], masterName: string, sentinelOptions: RedisOptions,
): void {
  const watchers = sentinels.map((node) => {
    const watcher = new Redis({
      ...sentinelOptions, ...node, maxRetriesPerRequest: null, retryStrategy: (times) => Math.min(times * 200, 5000),
    });
    watcher.on('error', () => {}); // a sentinel that is down is the others' job
    watcher.on('message', (_channel: string, message: string) => {
      const [name, , , host, port] = message.split(' ');
      if (name !== masterName || client.status !== 'ready') return;
      const stream = (client as unknown as { stream?: Socket }).stream;
      if (stream?.remotePort === Number(port) && stream.remoteAddress?.endsWith(host ?? '')) return; // already there
      client.disconnect(true);
    });
    watcher.subscribe('+switch-master').catch(() => {});
    return watcher;
  });
  client.once('end', () => watchers.forEach((w) => w.disconnect()));
}
