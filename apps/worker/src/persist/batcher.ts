/**
 * Collects items from many concurrent jobs and hands them to `flush` together: at `size`
 * items, or `waitMs` after the first one, whichever comes first. Each caller gets its own
 * item's outcome, or the batch's error (its job then fails and retries).
 */
export class Batcher<Item, Outcome> {
  private items: Item[] = [];
  private waiters: { resolve(o: Outcome): void; reject(e: unknown): void }[] = [];
  private timer: NodeJS.Timeout | null = null;
  private inFlight = new Set<Promise<void>>();

  constructor(
    private readonly flushBatch: (items: Item[]) => Promise<Outcome[]>,
    private readonly size: number,
    private readonly waitMs: number,
  ) {}

  add(item: Item): Promise<Outcome> {
    return new Promise<Outcome>((resolve, reject) => {
      this.items.push(item);
      this.waiters.push({ resolve, reject });
      if (this.items.length >= this.size) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), this.waitMs);
    });
  }

  /** Writes what is collected now; resolves when every batch in flight has finished. */
  async drain(): Promise<void> {
    this.flush();
    await Promise.allSettled([...this.inFlight]);
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.items.length === 0) return;
    const items = this.items;
    const waiters = this.waiters;
    this.items = [];
    this.waiters = [];
    const run = this.flushBatch(items).then(
      (outcomes) => waiters.forEach((w, i) => w.resolve(outcomes[i]!)),
      (error: unknown) => waiters.forEach((w) => w.reject(error)),
    );
    this.inFlight.add(run);
    void run.finally(() => this.inFlight.delete(run));
  }
}
