/**
 * A token bucket that refills with time: the retry budget of a client (retry.ts) and the
 * pace of an operation (pacing.ts). A caller who cannot wait takes tokens only if they are
 * there; one who can wait reserves them, going into debt, and is told how long until the
 * debt is paid back, so callers waiting together are served in turn.
 */
export class TokenBucket {
  private tokens: number;
  private at: number;

  constructor(
    readonly capacity: number,
    readonly refillPerSecond: number,
  ) {
    this.tokens = capacity;
    this.at = Date.now();
  }

  /** Tokens there now (negative while in debt). */
  get available(): number {
    this.refill();
    return this.tokens;
  }

  /** Take `n` tokens if there are that many; false (and nothing taken) otherwise. */
  tryTake(n: number): boolean {
    this.refill();
    if (this.tokens < n) return false;
    this.tokens -= n;
    return true;
  }

  /** Take `n` tokens, into debt if need be: milliseconds until they will have been there. */
  reserve(n: number): number {
    this.refill();
    this.tokens -= n;
    if (this.tokens >= 0) return 0;
    return this.refillPerSecond > 0 ? Math.ceil((-this.tokens / this.refillPerSecond) * 1000) : Infinity;
  }

  /** Give `n` tokens back (a reservation not used, a retry that succeeded). */
  give(n: number): void {
    this.refill();
    this.tokens = Math.min(this.capacity, this.tokens + n);
  }

  private refill(): void {
    const now = Date.now();
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.at) / 1000) * this.refillPerSecond);
    this.at = now;
  }
}
