import { describe, expect, it } from 'vitest';
import { Dialect } from './dialect.js';
import { tokenPattern, tokenScanner, type TokenClass } from './tokens.js';

/** The plain scan's matches that hold the class's anchor: what the scanner must find. */
function plain(cls: TokenClass, d: Dialect, v: string): Array<[number, number]> {
  const anchor = cls === 'email' ? /@/ : /[0-9]/;
  return [...v.matchAll(tokenPattern(cls, d))].filter((m) => anchor.test(m[0])).map((m) => [m.index, m.index + m[0].length]);
}

/** Texts built from the pieces where the classes' boundaries lie (seeded: the same every run). */
function texts(count: number, seed: number): string[] {
  const pieces = ['a', 'Z', 'DE', 'NL', '0', '7', '12', '@', '@@', ' ', '.', '-', '+', '(', ')', '/', '<p>', '>', ',', ';', ':', '"', "'", '[', ']', '\n', '\t', 'é', '😀', 'x.y', 'mail', 'example.com', '555 0101'];
  let state = seed;
  const next = (n: number): number => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state % n;
  };
  return Array.from({ length: count }, () => Array.from({ length: next(40) }, () => pieces[next(pieces.length)]).join(''));
}

describe('TokenScanner', () => {
  for (const ascii of [true, false]) {
    const d = new Dialect(ascii);
    for (const cls of ['email', 'digits', 'alnum'] as const) {
      it(`finds exactly the plain scan's anchored ${cls} tokens (${ascii ? 'C' : 'Unicode'} ctype)`, () => {
        const scanner = tokenScanner(cls, d);
        let found = 0;
        for (const v of texts(20000, cls.length * 31 + (ascii ? 1 : 2))) {
          const want = plain(cls, d, v);
          expect([...scanner.matches(v)], v).toEqual(want);
          found += want.length;
        }
        // the texts do hold tokens of the class, many of them
        expect(found).toBeGreaterThan(5000);
      });
    }
  }

  it('replaces the tokens a function changes, keeps the text between, and returns the same string when none changed', () => {
    const scanner = tokenScanner('email', new Dialect(true));
    const v = '<p>Write to Ann@Example.com, or (bob@x.org); not @alone or end@</p>';
    expect(scanner.replace(v, (t) => (t.startsWith('Ann') ? 'a1@anon.invalid' : t))).toBe('<p>Write to a1@anon.invalid, or (bob@x.org); not @alone or end@</p>');
    expect(scanner.replace(v, (t) => t.toUpperCase())).toBe('<p>Write to ANN@EXAMPLE.COM, or (BOB@X.ORG); not @alone or end@</p>');
    expect(scanner.replace(v, (t) => t)).toBe(v);
    expect(scanner.some(v, (t) => t === 'bob@x.org')).toBe(true);
    expect(scanner.some(v, (t) => t === '@alone')).toBe(false);
  });

  it('finds an identity number spaced as an IBAN, and none in prose without digits', () => {
    const scanner = tokenScanner('alnum', new Dialect(true));
    const v = 'Pay to NL91 ABNA 0417 1643 00, ref INV-2024.001; thanks';
    expect([...scanner.matches(v)].map(([s, e]) => v.slice(s, e))).toEqual(['NL91 ABNA 0417 1643 00', 'INV-2024.001']);
    expect([...scanner.matches('Dear customer, thanks for the meeting.')]).toEqual([]);
  });
});
