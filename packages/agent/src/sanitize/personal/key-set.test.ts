import { describe, expect, it } from 'vitest';
import { hash64, KeySet, keySetBytes } from './key-set.js';

const email = (i: number): string => `person.${i}@customer${i % 97}.example`;

describe('KeySet', () => {
  it('finds every key added (no false negative) and, here, nothing else', () => {
    const s = new KeySet();
    for (let i = 0; i < 100_000; i++) s.add(email(i));
    s.add(email(5)).add('');
    expect(s.size).toBe(100_001);
    for (let i = 0; i < 100_000; i++) if (!s.has(email(i))) throw new Error(`lost ${email(i)}`);
    expect(s.has('')).toBe(true);
    let falsePositives = 0;
    for (let i = 100_000; i < 200_000; i++) if (s.has(email(i))) falsePositives++;
    expect(falsePositives).toBe(0);
    expect(s.has('PERSON.1@customer1.example')).toBe(false);
  });

  it('holds a million values in at most 32 bytes each (a Set of the strings: ~100-250)', () => {
    const s = new KeySet();
    for (let i = 0; i < 1_000_000; i++) s.add(`+32 470 ${String(i).padStart(7, '0')}`);
    expect(s.size).toBe(1_000_000);
    expect(s.byteSize).toBe(keySetBytes(1_000_000));
    expect(s.byteSize).toBeLessThanOrEqual(32 * 1_000_000);
  });

  it('hashes non-ASCII text on all its code units and never to the empty slot', () => {
    expect(hash64('éloïse')).not.toEqual(hash64('eloise'));
    expect(hash64('a')).toEqual(hash64('a'));
    const s = new KeySet().add('Éloïse Dupont');
    expect(s.has('Éloïse Dupont')).toBe(true);
    expect(s.has('Eloise Dupont')).toBe(false);
    for (let i = 0; i < 10_000; i++) expect(hash64(String(i))).not.toEqual([0, 0]);
  });
});
