/**
 * A sliding-window counter: how many events happened in the last `windowMs` milliseconds.
 *
 * amoCRM allows 7 requests per second per account, measured over any one-second span, not per calendar
 * second. A fixed-bucket counter would let 14 requests through around a bucket edge and hide a missing
 * throttle in our backend, so the fake keeps timestamps and counts the true sliding window.
 */
export class SlidingWindow {
  private times: number[] = [];

  constructor(private readonly windowMs: number) {}

  /** Records an event at `now` and returns how many events the window holds, this one included. */
  hit(now: number): number {
    this.prune(now);
    this.times.push(now);
    return this.times.length;
  }

  count(now: number): number {
    this.prune(now);
    return this.times.length;
  }

  /**
   * Milliseconds until at most `n` events remain in the window, i.e. until one more event would make the
   * count `n + 1`. The 429 answer uses it to say how long the client must wait (`retry_after`).
   */
  msUntilCountAtMost(now: number, n: number): number {
    this.prune(now);
    const mustExpire = this.times.length - Math.max(0, n);
    if (mustExpire <= 0) return 0;
    return Math.max(0, this.times[mustExpire - 1]! + this.windowMs - now);
  }

  clear(): void {
    this.times = [];
  }

  private prune(now: number): void {
    // An event exactly `windowMs` old has left the window: a client that sends 7 requests, waits a full
    // second and sends 7 more is within the documented limit and must not be refused.
    const cutoff = now - this.windowMs;
    let drop = 0;
    while (drop < this.times.length && this.times[drop]! <= cutoff) drop++;
    if (drop > 0) this.times = this.times.slice(drop);
  }
}
