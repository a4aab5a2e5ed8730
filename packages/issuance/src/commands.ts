import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Redis, Result } from 'ioredis';

// Each script is a file named <name>-<numberOfKeys>.lua ('n': the caller passes the count);
// its header documents KEYS, ARGV and the reply; the reply codes are named in lua/replies.ts.
const SCRIPTS = [
  'reserve-5', 'read-issuance-2', 'settle-many-n', 'mirror-coupon-1', 'restore-coupon-2', 'merge-holders-2',
] as const;

/** The raw reply of reserve-5.lua; only the store reads it. */
export type RawReserveReply =
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
    ): Result<RawReserveReply, Context>;
    readIssuance(record: string, pending: string, issuanceId: string): Result<(string | number)[], Context>;
    settleMany(numberOfKeys: number, ...keysThenArgs: (string | number)[]): Result<number[], Context>;
    mirrorCoupon(meta: string, version: number, ...fields: (string | number)[]): Result<number, Context>;
    restoreCoupon(
      meta: string, seq: string, maxSequence: number, version: number, ...fields: (string | number)[]
    ): Result<number, Context>;
    mergeHolders(users: string, seq: string, maxSequence: number, ...userIssuancePairs: string[]): Result<number, Context>;
  }
}

const camel = (name: string) => name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/** Registers the scripts on a connection (EVALSHA, falling back to EVAL once per script). */
export function defineIssuanceCommands(redis: Redis): Redis {
  for (const file of SCRIPTS) {
    const [, name, keys] = /^(.*)-(\d+|n)$/.exec(file) ?? [];
    if (!name || !keys) throw new Error(`bad script name ${file}`);
    if (typeof (redis as unknown as Record<string, unknown>)[camel(name)] === 'function') continue;
    // A cluster client's auto-pipelining picks a command's slot by its first argument,
    // which for these scripts is the key count, not a key: send them on their own.
    if (keys === 'n') redis.options.autoPipeliningIgnoredCommands = [...(redis.options.autoPipeliningIgnoredCommands ?? []), camel(name)];
    redis.defineCommand(camel(name), {
      ...(keys === 'n' ? {} : { numberOfKeys: Number(keys) }),
      lua: readFileSync(join(__dirname, 'lua', `${file}.lua`), 'utf8'),
    });
  }
  return redis;
}
