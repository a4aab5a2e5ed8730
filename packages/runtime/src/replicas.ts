import type { Cluster, Redis } from 'ioredis';
import { isClusterClient } from './redis';

export interface ReplicaAcks {
  /** Replicas that acknowledged (on a Cluster: the fewest any master got). */
  acknowledged: number;
  ok: boolean;
}

/**
 * Sends `WAIT minReplicas timeoutMs` on this connection: resolves once `minReplicas`
 * replicas have acknowledged everything up to this connection's last write, or once the
 * timeout has passed (then `ok` is false: the write may exist on the primary alone).
 *
 * What it covers: WAIT waits for the replication offset the primary had just after this
 * connection's last write. The replication stream is one ordered log, so a replica that
 * acknowledged that offset also holds every write the primary executed before it, whichever
 * connection sent it. So, for a group: once its reservations (issuance connection) and its
 * job (queue connection) have been answered, one WAIT on the connection that wrote last
 * covers them all. (Redis 7.0 in fact waits for the offset at the connection's last command
 * of any kind, a read included; only the documented rule above is relied on.)
 *
 * WAIT blocks this connection (not the server) until it returns; commands sent after it
 * on the same connection wait behind it. A connection error rejects, like any command.
 * On a Cluster each master is asked over the very connection this client writes to it
 * with, and every master must reach `minReplicas`.
 */
export async function waitForReplicas(connection: Redis, minReplicas: number, timeoutMs: number): Promise<ReplicaAcks> {
  // WAIT n 0 would block until the replicas answer, however long that takes
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1) throw new Error(`waitForReplicas: timeoutMs must be a positive integer, got ${timeoutMs}`);
  const nodes = isClusterClient(connection) ? (connection as unknown as Cluster).nodes('master') : [connection];
  if (nodes.length === 0) return { acknowledged: 0, ok: false }; // a cluster client not connected yet
  const counts = await Promise.all(nodes.map((node) => node.wait(minReplicas, timeoutMs)));
  const acknowledged = Math.min(...counts);
  return { acknowledged, ok: acknowledged >= minReplicas };
}
