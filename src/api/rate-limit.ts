/**
 * Per-key token buckets (key = user id, or the client IP before authentication). Each request takes one
 * token; tokens come back at `perSecond` up to `burst`. Buckets are refilled lazily when touched, so an
 * idle key costs nothing; the map is swept of full buckets when it grows large.
 */
import type { RateLimitConfig } from '../config/config.js';

interface Bucket {
  tokens: number;
  at: number;
}

const SWEEP_AT = 100_000;

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly config: RateLimitConfig,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes a token: 0 when allowed, else the seconds until one is available (for Retry-After). */
  take(key: string): number {
    const now = this.now();
    const { perSecond, burst } = this.config;
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      if (this.buckets.size >= SWEEP_AT) this.sweep(now);
      bucket = { tokens: burst, at: now };
      this.buckets.set(key, bucket);
    } else if (now > bucket.at) {
      bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) * perSecond) / 1000);
      bucket.at = now;
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / perSecond));
  }

  private sweep(now: number): void {
    const { perSecond, burst } = this.config;
    for (const [key, b] of this.buckets) {
      if (b.tokens + ((now - b.at) * perSecond) / 1000 >= burst) this.buckets.delete(key);
    }
  }
}
