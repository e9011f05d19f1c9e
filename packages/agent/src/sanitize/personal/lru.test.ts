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

  it('lets the least recently used go first', () => {
    const m = new Lru<number>(2);
    m.set('a', 1);
    m.set('b', 2);
    expect(m.get('a')).toBe(1); // a is now the most recent
    m.set('c', 3);
    expect(m.get('b')).toBeUndefined();
    expect([m.get('a'), m.get('c')]).toEqual([1, 3]);
    m.set('a', 4); // replacing keeps the size
    expect(m.size).toBe(2);
    expect(m.get('a')).toBe(4);
  });

  it('refuses a bound below one', () => {
    expect(() => new Lru(0)).toThrow(RangeError);
  });
});
