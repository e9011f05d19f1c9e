// Per-key token buckets held in memory: `perMinute` tokens of capacity, refilled continuously at
// perMinute/60 per second. A refused take says how many seconds until a token is back
// (the Retry-After header). One controller process; shared limits would need the database.
// takeToken is how callers spend a token: REST and tRPC mutations, clone requests.
import { AppError, ErrorCode } from '@oec/shared';
import type { Clock } from './clock.js';

export type RateDecision = { allowed: true; remaining: number } | { allowed: false; retryAfterSeconds: number };

export interface RateLimiter {
  take(key: string): RateDecision;
}

export interface RateLimiterOptions {
  perMinute: number;
  clock: Clock;
  /** Buckets kept before idle (full) ones are dropped. */
  maxKeys?: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

export function createRateLimiter({ perMinute, clock, maxKeys = 10_000 }: RateLimiterOptions): RateLimiter {
  const capacity = perMinute;
  const perMs = perMinute / 60_000;
  const buckets = new Map<string, Bucket>();

  function refill(b: Bucket, now: number): void {
    const elapsed = Math.max(0, now - b.at);
    b.tokens = Math.min(capacity, b.tokens + elapsed * perMs);
    b.at = now;
  }

  function prune(now: number): void {
    for (const [key, b] of buckets) {
      refill(b, now);
      if (b.tokens >= capacity) buckets.delete(key);
    }
  }

  return {
    take(key) {
      const now = clock.now().getTime();
      let b = buckets.get(key);
      if (!b) {
        if (buckets.size >= maxKeys) prune(now);
        b = { tokens: capacity, at: now };
        buckets.set(key, b);
      }
      refill(b, now);
      if (b.tokens >= 1) {
        b.tokens -= 1;
        return { allowed: true, remaining: Math.floor(b.tokens) };
      }
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - b.tokens) / perMs / 1000)) };
    },
  };
}

/** Throws RATE_LIMIT_EXCEEDED (with `retry_after_seconds` in details) when the bucket is empty. */
export function takeToken(limiter: RateLimiter, userId: string): void {
  const decision = limiter.take(userId);
  if (!decision.allowed) {
    throw new AppError(
      ErrorCode.RATE_LIMIT_EXCEEDED,
      `Too many requests: retry in ${decision.retryAfterSeconds} s`,
      { retry_after_seconds: decision.retryAfterSeconds },
    );
  }
}

/** The Retry-After value (seconds) of a RATE_LIMIT_EXCEEDED error, else null. */
export function retryAfter(err: AppError): string | null {
  const s = err.details?.retry_after_seconds;
  return err.code === ErrorCode.RATE_LIMIT_EXCEEDED && typeof s === 'number' ? String(s) : null;
}
