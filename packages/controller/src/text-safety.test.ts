import { describe, expect, it } from 'vitest';
import { MAX_DEPTH, assertStorable, findUnstorable } from './text-safety.js';

const pathOf = (v: unknown) => findUnstorable(v)?.path ?? null;

describe('findUnstorable', () => {
  it('finds NUL characters and unpaired surrogates, anywhere, in document order', () => {
    expect(findUnstorable({ name: 'ok', tags: ['fine', 'emoji 😀'] })).toBeNull();
    expect(pathOf({ name: 'a\u0000b' })).toBe('name');
    expect(pathOf({ addons: [{ ref: 'x' }, { ref: '\ud800' }] })).toBe('addons.1.ref');
    expect(pathOf({ a: 'tail \udc00', b: '\u0000' })).toBe('a');
    expect(pathOf({ 'k\u0000': 1 })).toBe('(key)');
    expect(pathOf('\u0000')).toBe('(body)');
    expect(findUnstorable(42)).toBeNull();
  });

  it('refuses deep nesting without recursion', () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(findUnstorable(deep)?.message).toBe(`nested more than ${MAX_DEPTH} levels deep`);
  });

  it('throws VALIDATION_ERROR with the field', () => {
    expect(() => assertStorable({ name: 'x\u0000' })).toThrow(/name: must not contain NUL/);
  });
});
