import { describe, expect, it } from 'vitest';
import { AppError } from '@oec/shared';
import { createRateLimiter, retryAfter, takeToken } from './rate-limit.js';

function fakeClock(start = 0) {
  let t = start;
  return { now: () => new Date(t), advance: (ms: number) => (t += ms) };
}

describe('createRateLimiter', () => {
  it('allows a burst of perMinute, then refuses with Retry-After', () => {
    const clock = fakeClock();
    const limiter = createRateLimiter({ perMinute: 3, clock });
    expect(limiter.take('u1')).toEqual({ allowed: true, remaining: 2 });
    expect(limiter.take('u1')).toEqual({ allowed: true, remaining: 1 });
    expect(limiter.take('u1')).toEqual({ allowed: true, remaining: 0 });
    // One token comes back every 20 s.
    expect(limiter.take('u1')).toEqual({ allowed: false, retryAfterSeconds: 20 });
    clock.advance(15_000);
    expect(limiter.take('u1')).toEqual({ allowed: false, retryAfterSeconds: 5 });
    clock.advance(5_000);
    expect(limiter.take('u1').allowed).toBe(true);
  });

  it('keeps one bucket per key', () => {
    const limiter = createRateLimiter({ perMinute: 1, clock: fakeClock() });
    expect(limiter.take('a').allowed).toBe(true);
    expect(limiter.take('a').allowed).toBe(false);
    expect(limiter.take('b').allowed).toBe(true);
  });

  it('never refills beyond capacity and never answers Retry-After 0', () => {
    const clock = fakeClock();
    const limiter = createRateLimiter({ perMinute: 600, clock });
    clock.advance(3_600_000);
    for (let i = 0; i < 600; i++) expect(limiter.take('u').allowed).toBe(true);
    const refused = limiter.take('u');
    expect(refused).toEqual({ allowed: false, retryAfterSeconds: 1 });
  });

  it('drops idle buckets when the key limit is reached', () => {
    const clock = fakeClock();
    const limiter = createRateLimiter({ perMinute: 2, clock, maxKeys: 2 });
    limiter.take('a');
    limiter.take('a');
    limiter.take('b');
    clock.advance(60_000);
    // Both buckets are full again: they are dropped, and 'a' starts afresh.
    expect(limiter.take('c').allowed).toBe(true);
    expect(limiter.take('a')).toEqual({ allowed: true, remaining: 1 });
  });
});

describe('takeToken', () => {
  it('spends a token, then throws RATE_LIMIT_EXCEEDED whose Retry-After is the wait in seconds', () => {
    const limiter = createRateLimiter({ perMinute: 1, clock: fakeClock() });
    takeToken(limiter, 'u1');
    let refused: unknown;
    try {
      takeToken(limiter, 'u1');
    } catch (err) {
      refused = err;
    }
    expect(refused).toBeInstanceOf(AppError);
    expect((refused as AppError).code).toBe('RATE_LIMIT_EXCEEDED');
    expect(retryAfter(refused as AppError)).toBe('60');
  });
});
