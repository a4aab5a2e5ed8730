import type { Redis } from 'ioredis';
import { isClusterClient } from '@coupon/runtime';
import { mirrorCoupon, repairCouponHolders, restoreCouponState } from './coupon-state';
import { newIssuanceId } from './issuance-id';
import type { IssuanceItem } from './jobs';
import { CATALOG_VERSION_KEY, couponKeys } from './keys';
import { ReserveReply } from './lua/replies';
import { parseRecord, type IssuanceRecord, type Settlement } from './record';
import type { CouponSnapshot, PersistedSource } from './source';

export type RefusalReason = 'sold_out' | 'not_started' | 'ended' | 'deleted';

/** The outcome of one reservation: the only place stock is taken. */
export type Reservation =
  | { kind: 'accepted'; item: IssuanceItem; queuePosition: number }
  | { kind: 'already_issued'; issuanceId: string }
  | { kind: 'refused'; reason: RefusalReason }
  /** Redis holds no state for the coupon: restore() it from PostgreSQL, never guess. */
  | { kind: 'missing' };

const REFUSALS: Record<number, RefusalReason> = {
  [ReserveReply.SoldOut]: 'sold_out',
  [ReserveReply.NotStarted]: 'not_started',
  [ReserveReply.Ended]: 'ended',
  [ReserveReply.Deleted]: 'deleted',
};

/**
 * Every Redis operation on issuances, typed: callers see named outcomes, never KEYS order
 * or numeric reply codes (in the manner of BullMQ's Scripts class). The connection must
 * carry the scripts (defineIssuanceCommands) and the service's key prefix.
 */
export class IssuanceStore {
  constructor(
    private readonly redis: Redis,
    private readonly source: PersistedSource,
    private readonly recordTtlSeconds: number,
  ) {}

  async reserve(couponId: number, userId: string): Promise<Reservation> {
    const keys = couponKeys(couponId);
    const candidate = newIssuanceId(couponId);
    const reply = await this.redis.reserve(
      keys.meta, keys.seq, keys.users, keys.pending, keys.issuance(candidate), userId, candidate, couponId,
    );
    switch (reply[0]) {
      case ReserveReply.Missing:
        return { kind: 'missing' };
      case ReserveReply.Accepted: {
        const [, issuanceId, sequence, requestedAt, expireAt, discountType, discountAmount, queuePosition] = reply;
        const item: IssuanceItem = {
          issuanceId, couponId, userId, sequence, requestedAt, expireAt,
          discountType: discountType as IssuanceItem['discountType'], discountAmount: Number(discountAmount),
        };
        return { kind: 'accepted', item, queuePosition };
      }
      case ReserveReply.AlreadyIssued:
        return { kind: 'already_issued', issuanceId: reply[1] };
      default:
        return { kind: 'refused', reason: REFUSALS[reply[0]]! };
    }
  }

  /** The record and, while pending, its queue position: one round trip. */
  async read(couponId: number, issuanceId: string): Promise<IssuanceRecord | null> {
    const keys = couponKeys(couponId);
    return parseRecord(couponId, issuanceId, await this.redis.readIssuance(keys.issuance(issuanceId), keys.pending, issuanceId));
  }

  /** The issuance id under which the user holds (or waits for) the coupon. */
  holderOf(couponId: number, userId: string): Promise<string | null> {
    return this.redis.hget(couponKeys(couponId).users, userId);
  }

  /** Accepted, unsettled issuance ids of the coupon, oldest first. */
  pending(couponId: number, limit: number): Promise<string[]> {
    return this.redis.zrange(couponKeys(couponId).pending, 0, limit - 1);
  }

  pendingCount(couponId: number): Promise<number> {
    return this.redis.zcard(couponKeys(couponId).pending);
  }

  /** Forgets a pending entry whose record is gone or settled. */
  async dropPending(couponId: number, issuanceId: string): Promise<void> {
    await this.redis.zrem(couponKeys(couponId).pending, issuanceId);
  }

  /** Accepted issuances per coupon (pending included); null where Redis holds no state. */
  async acceptedCounts(couponIds: number[]): Promise<Map<number, number | null>> {
    // auto-pipelined: one round trip for all of them
    const replies = await Promise.all(couponIds.map(async (id) => {
      const keys = couponKeys(id);
      const [exists, accepted] = await Promise.all([this.redis.exists(keys.meta), this.redis.hlen(keys.users)]);
      return [id, exists ? accepted : null] as const;
    }));
    return new Map(replies);
  }

  /** Where the coupon's metadata says it stands: its mirrored version, or null when missing. */
  async mirroredVersion(couponId: number): Promise<number | null> {
    const version = await this.redis.hget(couponKeys(couponId).meta, 'version');
    return version === null ? null : Number(version);
  }

  /**
   * Records a batch's verdicts: one script call for the whole batch on one server; on a
   * Redis Cluster one per coupon, whose keys share a slot. Returns, per settlement, whether
   * this call settled it (false: settled before, by an earlier attempt of the same job).
   */
  async settleMany(settlements: Settlement[]): Promise<boolean[]> {
    if (settlements.length === 0) return [];
    if (!isClusterClient(this.redis)) return this.settleGroup(settlements);
    const byCoupon = new Map<number, number[]>();
    settlements.forEach((s, i) => byCoupon.set(s.item.couponId, [...(byCoupon.get(s.item.couponId) ?? []), i]));
    const flags: boolean[] = [];
    await Promise.all([...byCoupon.values()].map(async (indexes) => {
      const settled = await this.settleGroup(indexes.map((i) => settlements[i]!));
      indexes.forEach((i, k) => (flags[i] = settled[k]!));
    }));
    return flags;
  }

  private async settleGroup(settlements: Settlement[]): Promise<boolean[]> {
    const couponIds = [...new Set(settlements.map((s) => s.item.couponId))];
    const index = new Map(couponIds.map((id, i) => [id, i + 1]));
    const keys = couponIds.flatMap((id) => [couponKeys(id).pending, couponKeys(id).users]);
    const prefix = this.redis.options.keyPrefix ?? '';
    const args: (string | number)[] = [this.recordTtlSeconds, couponIds.length, ...couponIds.map((id) => prefix + couponKeys(id).settled)];
    const now = Date.now();
    for (const { item, verdict } of settlements) {
      keys.push(couponKeys(item.couponId).issuance(item.issuanceId));
      args.push(index.get(item.couponId)!, item.issuanceId, verdict.status);
      if (verdict.status === 'issued') args.push(verdict.userCouponId, verdict.issuedAt, '0', verdict.sequence ?? '');
      else args.push(verdict.reason, now, verdict.release ? '1' : '0', '');
    }
    const flags = await this.redis.settleMany(keys.length, ...keys, ...args);
    return flags.map((flag) => flag === 1);
  }

  /**
   * Moves the coupon's sequence counter to at least `atLeast` (never back): a row took a
   * number past what Redis handed out, so Redis had lost numbers.
   */
  async raiseSequence(couponId: number, atLeast: number): Promise<void> {
    const keys = couponKeys(couponId);
    await this.redis.mergeHolders(keys.users, keys.seq, atLeast);
  }

  /** Rebuilds a coupon's lost state from PostgreSQL; false when the coupon does not exist. */
  restore(couponId: number): Promise<boolean> {
    return restoreCouponState(this.redis, this.source, couponId);
  }

  /** Puts back persisted holders Redis lost; returns how many were missing. */
  repair(couponId: number): Promise<number> {
    return repairCouponHolders(this.redis, this.source, couponId);
  }

  /** Writes an admin change into the coupon's metadata, building it first when missing. */
  mirror(coupon: CouponSnapshot, options: { created?: boolean } = {}): Promise<void> {
    return mirrorCoupon(this.redis, this.source, coupon, options.created);
  }

  /** The counter every coupon change bumps (see CATALOG_VERSION_KEY). */
  async catalogVersion(): Promise<string> {
    return (await this.redis.get(CATALOG_VERSION_KEY)) ?? '0';
  }

  async bumpCatalogVersion(): Promise<void> {
    await this.redis.incr(CATALOG_VERSION_KEY);
  }
}
