/**
 * Tokens that verified, by their exact string, so a client polling with the same token pays
 * for one signature check rather than one per request. Safe because the key is the whole
 * token (signature included): only a string that verified is ever found, and it maps to the
 * claims it verified with. An entry lives until the token's `exp` (without the clock
 * leeway) and at most `maxAgeMs`, so a key dropped from a JWKS is not outlived by much.
 * Bounded: past `size` entries the oldest goes.
 */
export class TokenCache<T> {
  private readonly entries = new Map<string, { value: T; until: number }>();

  constructor(private readonly size: number, private readonly maxAgeMs: number) {}

  get(token: string): T | undefined {
    const entry = this.entries.get(token);
    if (!entry) return undefined;
    if (entry.until > Date.now()) return entry.value;
    this.entries.delete(token);
    return undefined;
  }

  /** `expiresAt` in ms since the epoch (the token's `exp` × 1000). */
  set(token: string, value: T, expiresAt: number): void {
    if (this.size === 0 || token.length > MAX_CACHED_TOKEN) return;
    const until = Math.min(expiresAt, Date.now() + this.maxAgeMs);
    if (until <= Date.now()) return;
    if (this.entries.size >= this.size) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(token, { value, until });
  }
}

// Larger tokens are verified every time: they would make the bound on memory meaningless.
const MAX_CACHED_TOKEN = 4096;
