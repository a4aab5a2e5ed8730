/**
 * Collects items from many concurrent callers and hands them to `flushBatch` together: once
 * `size` items are collected, or `waitMs` after the first one (0: at the end of the event
 * loop's turn), whichever comes first. A
 * caller adds its items as one unit (they are never split across batches, so a batch may
 * exceed `size` by one caller's items) and gets their outcomes, in order, or the batch's error.
 *
 * The API groups its reservations into queue jobs with it; the worker groups jobs into
 * transactions.
 */
export class Batcher<Item, Outcome> {
  private items: Item[] = [];
  private waiters: { count: number; resolve(o: Outcome[]): void; reject(e: unknown): void }[] = [];
  private timer: { cancel(): void } | null = null;
  private inFlight = new Set<Promise<void>>();

  constructor(
    private readonly flushBatch: (items: Item[]) => Promise<Outcome[]>,
    private readonly size: number,
    private readonly waitMs: number,
  ) {}

  add(items: Item[]): Promise<Outcome[]> {
    return new Promise<Outcome[]>((resolve, reject) => {
      this.items.push(...items);
      this.waiters.push({ count: items.length, resolve, reject });
      if (this.items.length >= this.size) this.flush();
      else this.timer ??= this.schedule();
    });
  }

  /** Hands over what is collected now; resolves when every batch in flight has finished. */
  async drain(): Promise<void> {
    this.flush();
    await Promise.allSettled([...this.inFlight]);
  }

  // waitMs 0: at the end of this turn of the event loop, once the I/O that arrived with the
  // first item (a burst of Redis replies, say) has been handled: a group at no added latency
  private schedule(): { cancel(): void } {
    if (this.waitMs === 0) {
      const immediate = setImmediate(() => this.flush());
      return { cancel: () => clearImmediate(immediate) };
    }
    const timeout = setTimeout(() => this.flush(), this.waitMs);
    return { cancel: () => clearTimeout(timeout) };
  }

  private flush(): void {
    this.timer?.cancel();
    this.timer = null;
    if (this.items.length === 0) return;
    const items = this.items;
    const waiters = this.waiters;
    this.items = [];
    this.waiters = [];
    const run = this.flushBatch(items).then(
      (outcomes) => {
        let start = 0;
        for (const waiter of waiters) {
          waiter.resolve(outcomes.slice(start, start + waiter.count));
          start += waiter.count;
        }
      },
      (error: unknown) => waiters.forEach((w) => w.reject(error)),
    );
    this.inFlight.add(run);
    void run.finally(() => this.inFlight.delete(run));
  }
}
