import { describe, expect, it } from 'vitest';
import { createThrottle } from './throttle.js';

describe('createThrottle', () => {
  it('sends the first value, holds later ones, and flushes the latest', () => {
    let t = 0;
    const out: number[] = [];
    const th = createThrottle<number>(250, (v) => out.push(v), () => t);
    th.push('a', 1);
    th.push('a', 2);
    th.push('a', 3);
    expect(out).toEqual([1]);
    t = 300;
    th.push('a', 4);
    expect(out).toEqual([1, 4]);
    th.push('a', 5);
    th.push('b', 6);
    expect(out).toEqual([1, 4, 5]);
    th.push('b', 7, true);
    expect(out).toEqual([1, 4, 5, 7]);
    th.push('b', 8);
    th.flush();
    th.flush();
    expect(out).toEqual([1, 4, 5, 7, 8]);
  });

  it('delivers a held value when its interval has passed', async () => {
    const out: number[] = [];
    const th = createThrottle<number>(20, (v) => out.push(v));
    th.push('a', 1);
    th.push('a', 2);
    const deadline = Date.now() + 10_000;
    while (out.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(out).toEqual([1, 2]);
  });
});
