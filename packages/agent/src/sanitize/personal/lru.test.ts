import { describe, expect, it } from 'vitest';
import { Lru } from './lru.js';

describe('Lru', () => {
  it('never holds more than its bound, whatever goes through it', () => {
    const m = new Lru<string>(1000);
    let most = 0;
    for (let i = 0; i < 200_000; i++) {
      m.set(`email:${i % 5000}@x`, `h${i}`);
      most = Math.max(most, m.size);
    }
    expect(most).toBe(1000);
  });

  it('lets the least recently used go first (two generations of half the bound)', () => {
    const m = new Lru<number>(4);
    m.set('a', 1);
    m.set('b', 2);
    m.set('c', 3); // a and b are now the old generation
    expect(m.get('a')).toBe(1); // a used again: back to the young one
    m.set('d', 4); // the young one (c, a) ages; the old one (b) goes
    expect(m.get('b')).toBeUndefined();
    expect([m.get('a'), m.get('c'), m.get('d')]).toEqual([1, 3, 4]);
    m.set('a', 5); // replacing keeps the size
    expect(m.size).toBeLessThanOrEqual(4);
    expect(m.get('a')).toBe(5);
  });

  it('holds one entry when its bound is one', () => {
    const m = new Lru<number>(1);
    m.set('a', 1);
    m.set('b', 2);
    expect([m.get('a'), m.get('b'), m.size]).toEqual([undefined, 2, 1]);
  });

  it('refuses a bound below one', () => {
    expect(() => new Lru(0)).toThrow(RangeError);
  });
});
