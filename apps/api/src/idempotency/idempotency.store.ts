import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Redis, Result } from 'ioredis';

// Idempotency-Key records in Redis, one HASH per (route, path ids, caller, key). Each step is
// one Lua script (lua/<name>-<numKeys>.lua) so that "is the lease still mine?" and the write
// that depends on it are one atomic step. WATCH/MULTI would do the same compare-and-set, but
// WATCH is per connection and the API's connection is shared and auto-pipelined, so it would
// need a connection per request; a script needs none and costs one round trip.
const SCRIPTS = ['idempotency-claim-1', 'idempotency-complete-1', 'idempotency-release-1', 'idempotency-renew-1'] as const;

type ClaimReply = [1] | [0, string | null, string | null, string | null];

declare module 'ioredis' {
  interface RedisCommander<Context> {
    idempotencyClaim(record: string, token: string, fingerprint: string, leaseMs: number): Result<ClaimReply, Context>;
    idempotencyComplete(record: string, token: string, fingerprint: string, response: string, ttlSeconds: number): Result<number, Context>;
    idempotencyRelease(record: string, token: string): Result<number, Context>;
    idempotencyRenew(record: string, token: string, leaseMs: number): Result<number, Context>;
  }
}

const camel = (name: string) => name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/** Registers the scripts on a connection (EVALSHA, falling back to EVAL once per script). */
export function defineIdempotencyCommands(redis: Redis): Redis {
  for (const file of SCRIPTS) {
    const [, name, keys] = /^(.*)-(\d+)$/.exec(file) ?? [];
    if (!name || !keys) throw new Error(`bad script name ${file}`);
    if (typeof (redis as unknown as Record<string, unknown>)[camel(name)] === 'function') continue;
    redis.defineCommand(camel(name), { numberOfKeys: Number(keys), lua: readFileSync(join(__dirname, 'lua', `${file}.lua`), 'utf8') });
  }
  return redis;
}

/** What a replay sends again: API.md keeps the status, the body, Location and ETag. */
export interface StoredResponse {
  status: number;
  contentType: string | null;
  location: string | null;
  etag: string | null;
  body: string;
}

export type Claim =
  | { kind: 'claimed' }
  | { kind: 'in-progress'; fingerprint: string }
  | { kind: 'done'; fingerprint: string; response: StoredResponse };

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * The record's Redis key. The scope is hashed: keys and user ids are client-chosen text,
 * and the admin part of the scope is itself a hash of the token, never the token.
 */
export function idempotencyRecordKey(scope: { route: string; params: Record<string, unknown>; caller: string }, key: string): string {
  const params = Object.entries(scope.params).sort(([a], [b]) => a.localeCompare(b));
  return `idem:${sha256(JSON.stringify([scope.route, params, scope.caller, key]))}`;
}

/** JSON with object keys sorted, so `{"a":1,"b":2}` and `{"b":2,"a":1}` are the same request. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export function fingerprintOf(request: { body: unknown; query: unknown }): string {
  return sha256(canonicalJson({ body: request.body ?? null, query: request.query ?? {} }));
}

export async function claimKey(redis: Redis, record: string, token: string, fingerprint: string, leaseMs: number): Promise<Claim> {
  const reply = await redis.idempotencyClaim(record, token, fingerprint, leaseMs);
  if (reply[0] === 1) return { kind: 'claimed' };
  const [, state, storedFingerprint, response] = reply;
  if (state === 'done' && response) return { kind: 'done', fingerprint: storedFingerprint ?? '', response: JSON.parse(response) as StoredResponse };
  return { kind: 'in-progress', fingerprint: storedFingerprint ?? '' };
}

export function completeKey(
  redis: Redis, record: string, token: string, fingerprint: string, response: StoredResponse, ttlSeconds: number,
): Promise<number> {
  return redis.idempotencyComplete(record, token, fingerprint, JSON.stringify(response), ttlSeconds);
}

export function releaseKey(redis: Redis, record: string, token: string): Promise<number> {
  return redis.idempotencyRelease(record, token);
}

export function renewKey(redis: Redis, record: string, token: string, leaseMs: number): Promise<number> {
  return redis.idempotencyRenew(record, token, leaseMs);
}
