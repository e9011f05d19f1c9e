import { describe, expect, it } from 'vitest';
import { quoteIdent, quoteLiteral } from './sql.js';

describe('quoteIdent', () => {
  it('double-quotes and doubles embedded quotes', () => {
    expect(quoteIdent('oec_abc')).toBe('"oec_abc"');
    expect(quoteIdent('a"; DROP DATABASE x; --')).toBe('"a""; DROP DATABASE x; --"');
  });
  it('refuses empty names and NUL', () => {
    expect(() => quoteIdent('')).toThrow();
    expect(() => quoteIdent('a\0b')).toThrow();
  });
});

describe('quoteLiteral', () => {
  it('single-quotes, doubles quotes and escapes backslashes', () => {
    expect(quoteLiteral('abc')).toBe("'abc'");
    expect(quoteLiteral("it's")).toBe("'it''s'");
    expect(quoteLiteral("a\\'b")).toBe("E'a\\\\''b'");
    expect(() => quoteLiteral('\0')).toThrow();
  });
});
