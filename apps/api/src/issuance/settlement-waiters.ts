import type { Redis } from 'ioredis';
import { couponKeys } from '@coupon/issuance';

type Wake = () => void;

/**
 * Long-polling clients wait here for their issuance to settle. The process holds ONE
 * subscriber connection; it subscribes to a coupon's settlement channel while anyone waits
 * on that coupon, and the worker's settle script publishes the ids it settled there. A
 * waiter holds no connection of its own, only a callback in a map.
 */
export class SettlementWaiters {
  private readonly byIssuance = new Map<string, Set<Wake>>();
  private readonly waitersPerCoupon = new Map<number, number>();
  private readonly subscriptions = new Map<number, Promise<unknown>>();
  private closing = false;

  constructor(
    private readonly subscriber: Redis,
    /** The service's key prefix: channels are not prefixed by the client. */
    private readonly prefix: string,
  ) {
    subscriber.on('smessage', (_channel: string, message: string) => {
      for (const id of message.split(',')) this.wakeAll(this.byIssuance.get(id));
    });
    // ioredis subscribes again after a reconnect; what was published meanwhile is lost,
    // so every waiter looks again (not on the first connect: nothing was missed then)
    let connectedBefore = false;
    subscriber.on('ready', () => {
      if (connectedBefore) for (const wakes of this.byIssuance.values()) this.wakeAll(wakes);
      connectedBefore = true;
    });
  }

  /** Waiters right now (for tests and metrics). */
  get size(): number {
    let n = 0;
    for (const wakes of this.byIssuance.values()) n += wakes.size;
    return n;
  }

  /**
   * Registers a waiter and resolves once the subscription is in place, so a settlement
   * published after this returns is not missed. `settledOrGone` resolves when the issuance
   * is announced settled, after `ms`, or when `cancel` is called (the client went away).
   */
  async register(couponId: number, issuanceId: string, ms: number) {
    let wake!: Wake;
    const done = new Promise<void>((resolve) => (wake = resolve));
    const timer = setTimeout(wake, this.closing ? 0 : ms);
    const wakes = this.byIssuance.get(issuanceId) ?? new Set<Wake>();
    wakes.add(wake);
    this.byIssuance.set(issuanceId, wakes);
    const settledOrGone = done.finally(() => {
      clearTimeout(timer);
      wakes.delete(wake);
      if (wakes.size === 0 && this.byIssuance.get(issuanceId) === wakes) this.byIssuance.delete(issuanceId);
      void this.unfollow(couponId);
    });
    try {
      await this.follow(couponId);
    } catch (error) {
      wake();
      await settledOrGone;
      throw error;
    }
    return { settledOrGone, cancel: wake };
  }

  /**
   * Shutdown: every waiter, and any that registers from now on, answers at once with the
   * state as it is, rather than hold the drain up or be cut off by it.
   */
  wakeEveryone(): void {
    this.closing = true;
    for (const wakes of this.byIssuance.values()) this.wakeAll(wakes);
  }

  // one SSUBSCRIBE per coupon while it has waiters, shared by all of them
  private async follow(couponId: number): Promise<void> {
    this.waitersPerCoupon.set(couponId, (this.waitersPerCoupon.get(couponId) ?? 0) + 1);
    let subscribed = this.subscriptions.get(couponId);
    if (!subscribed) {
      subscribed = this.subscriber.ssubscribe(this.channel(couponId));
      this.subscriptions.set(couponId, subscribed);
      subscribed.catch(() => this.subscriptions.get(couponId) === subscribed && this.subscriptions.delete(couponId));
    }
    await subscribed;
  }

  private async unfollow(couponId: number): Promise<void> {
    const count = (this.waitersPerCoupon.get(couponId) ?? 1) - 1;
    if (count > 0) return void this.waitersPerCoupon.set(couponId, count);
    this.waitersPerCoupon.delete(couponId);
    this.subscriptions.delete(couponId);
    await this.subscriber.sunsubscribe(this.channel(couponId)).catch(() => {});
  }

  private channel(couponId: number): string {
    return this.prefix + couponKeys(couponId).settled;
  }

  private wakeAll(wakes: Set<Wake> | undefined): void {
    if (wakes) for (const wake of [...wakes]) wake();
  }
}
