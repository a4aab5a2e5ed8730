import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Redis, Result } from 'ioredis';

// Each script is a file named <name>-<numberOfKeys>.lua; its header documents KEYS, ARGV
// and the return codes.
const SCRIPTS = ['reserve-5', 'mirror-coupon-1', 'restore-coupon-2', 'merge-holders-2', 'settle-3'] as const;

export type ReserveReply =
  | [0]
  | [1, string, number, number, number, string, string, number]
  | [2, string]
  | [3]
  | [4]
  | [5]
  | [6];

declare module 'ioredis' {
  interface RedisCommander<Context> {
    reserve(
      meta: string, seq: string, users: string, pending: string, record: string,
      userId: string, issuanceId: string, couponId: number,
    ): Result<ReserveReply, Context>;
    mirrorCoupon(meta: string, version: number, ...fields: (string | number)[]): Result<number, Context>;
    restoreCoupon(
      meta: string, seq: string, maxSequence: number, version: number, ...fields: (string | number)[]
    ): Result<number, Context>;
    mergeHolders(users: string, seq: string, maxSequence: number, ...userIssuancePairs: string[]): Result<number, Context>;
    settle(
      record: string, pending: string, users: string,
      issuanceId: string, status: 'issued' | 'failed', value: string | number,
      settledAt: number, release: '0' | '1', ttlSeconds: number,
    ): Result<number, Context>;
  }
}

const camel = (name: string) => name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/** Registers the scripts on a connection (EVALSHA, falling back to EVAL once per script). */
export function defineIssuanceCommands(redis: Redis): Redis {
  for (const file of SCRIPTS) {
    const [, name, keys] = /^(.*)-(\d+)$/.exec(file) ?? [];
    if (!name || !keys) throw new Error(`bad script name ${file}`);
    if (typeof (redis as unknown as Record<string, unknown>)[camel(name)] === 'function') continue;
    redis.defineCommand(camel(name), {
      numberOfKeys: Number(keys),
      lua: readFileSync(join(__dirname, 'lua', `${file}.lua`), 'utf8'),
    });
  }
  return redis;
}
