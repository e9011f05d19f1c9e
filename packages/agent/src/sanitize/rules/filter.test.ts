import { describe, expect, it } from 'vitest';
import { likeRegExp } from '../like.js';
import { compareNumeric, conditionTest, datetimeKey, notStreamable, type CanonicalCondition, type ValueKind } from './filter.js';

function holds(kind: ValueKind, c: CanonicalCondition, value: string | null): boolean {
  return conditionTest(c, kind)(value);
}

const cmp = (op: '=' | '!=' | '<' | '<=' | '>' | '>=', literal: string): CanonicalCondition => ({ column: 'x', op, values: [literal] });

describe('custom rule filters in JavaScript', () => {
  it('evaluates each comparison operator', () => {
    expect(holds('int', cmp('=', '42'), '42')).toBe(true);
    expect(holds('int', cmp('!=', '42'), '42')).toBe(false);
    expect(holds('int', cmp('<', '42'), '41')).toBe(true);
    expect(holds('int', cmp('<=', '42'), '42')).toBe(true);
    expect(holds('int', cmp('>', '42'), '42')).toBe(false);
    expect(holds('int', cmp('>=', '42'), '43')).toBe(true);
  });

  it('makes every operator but is_null false on NULL (three-valued logic)', () => {
    for (const op of ['=', '!=', '<', '<=', '>', '>='] as const) expect(holds('text', cmp(op, 'a'), null), op).toBe(false);
    expect(holds('text', { column: 'x', op: 'like', value: '%' }, null)).toBe(false);
    expect(holds('text', { column: 'x', op: 'in', values: ['a'] }, null)).toBe(false);
    expect(holds('text', { column: 'x', op: 'is_null' }, null)).toBe(true);
    expect(holds('text', { column: 'x', op: 'is_not_null' }, null)).toBe(false);
    expect(holds('text', { column: 'x', op: 'is_not_null' }, '')).toBe(true);
  });

  it('compares numbers as numbers, not as text', () => {
    expect(holds('int', cmp('<', '10'), '9')).toBe(true);
    expect(holds('int', cmp('>', '-10'), '-9')).toBe(true);
    expect(holds('int', cmp('=', '9007199254740993'), '9007199254740993')).toBe(true);
    expect(holds('int', cmp('=', '9007199254740993'), '9007199254740992')).toBe(false);
    expect(holds('numeric', cmp('=', '1.50'), '1.5')).toBe(true);
    expect(holds('numeric', cmp('<', '10.01'), '9.999')).toBe(true);
    expect(holds('numeric', cmp('<', '-0.5'), '-1.25')).toBe(true);
    expect(compareNumeric('0.000', '-0')).toBe(0);
    expect(compareNumeric('NaN', 'Infinity')).toBe(1);
    expect(compareNumeric('-Infinity', '-99999999')).toBe(-1);
    expect(holds('float', cmp('=', '0.1'), '0.1')).toBe(true);
    expect(holds('float', cmp('=', '0'), '-0')).toBe(true);
    // PostgreSQL: NaN = NaN, and NaN above everything
    expect(holds('float', cmp('=', 'NaN'), 'NaN')).toBe(true);
    expect(holds('float', cmp('>', 'Infinity'), 'NaN')).toBe(true);
  });

  it('compares booleans, dates, timestamps and uuids by value', () => {
    // the literal's canonical text is PostgreSQL's bool::text; COPY writes t/f
    expect(holds('bool', cmp('=', 'true'), 't')).toBe(true);
    expect(holds('bool', cmp('<', 'true'), 'f')).toBe(true);
    expect(holds('datetime', cmp('<', '2024-02-01'), '2024-01-31')).toBe(true);
    expect(holds('datetime', cmp('>', '2024-01-01 10:00:00'), '2024-01-01 10:00:00.5')).toBe(true);
    expect(holds('datetime', cmp('<', '0001-01-01'), '0044-03-15 BC')).toBe(true);
    expect(holds('datetime', cmp('>', '9999-12-31'), 'infinity')).toBe(true);
    expect(datetimeKey('-infinity')[0]).toBe(-Infinity);
    expect(holds('uuid', cmp('=', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'), 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11')).toBe(true);
  });

  it('compares text by bytes and char(n) without its padding', () => {
    expect(holds('text', cmp('=', 'abc'), 'abc ')).toBe(false);
    expect(holds('bpchar', cmp('=', 'abc'), 'abc   ')).toBe(true);
    expect(holds('text', cmp('<', 'b'), 'B')).toBe(true); // C order: upper case first
    // UTF-8 byte order, not UTF-16 code units: U+FF5E sorts before U+1F600
    expect(holds('text', cmp('<', '\u{1F600}'), '\uFF5E')).toBe(true);
  });

  it('matches like with %, _ and backslash escapes, on the whole value', () => {
    const like = (pattern: string, v: string | null, kind: ValueKind = 'text') => holds(kind, { column: 'x', op: 'like', value: pattern }, v);
    expect(like('%@example.com', 'a@example.com')).toBe(true);
    expect(like('%@example.com', 'a@example.com.evil')).toBe(false);
    expect(like('a_c', 'abc')).toBe(true);
    expect(like('a_c', 'a😀c')).toBe(true); // one character, not one UTF-16 unit
    expect(like('a_c', 'abbc')).toBe(false);
    expect(like('100\\%', '100%')).toBe(true);
    expect(like('100\\%', '1000')).toBe(false);
    expect(like('a\\_b', 'a_b')).toBe(true);
    expect(like('a\\_b', 'axb')).toBe(false);
    expect(like('a\\\\b', 'a\\b')).toBe(true);
    expect(like('a.c', 'abc')).toBe(false);
    expect(like('CODE-1%', 'CODE-12')).toBe(true);
    expect(like('[a]-(b)/{c}|^$+?*', '[a]-(b)/{c}|^$+?*')).toBe(true);
    expect(like('ABC', 'abc')).toBe(false);
    expect(like('%\n%', 'line\nbreak')).toBe(true);
    expect(like('tr%', 't', 'bool')).toBe(true); // bool::text is true/false
    expect(like('abc', 'abc   ', 'bpchar')).toBe(true);
    expect(() => likeRegExp('50\\')).toThrow(/escape character/);
  });

  it('matches in by the column type', () => {
    expect(holds('int', { column: 'x', op: 'in', values: ['1', '2', '3'] }, '2')).toBe(true);
    expect(holds('int', { column: 'x', op: 'in', values: ['1', '3'] }, '2')).toBe(false);
    expect(holds('numeric', { column: 'x', op: 'in', values: ['2.0'] }, '2')).toBe(true);
  });

  it('leaves to SQL what it does not evaluate exactly', () => {
    const text = { kind: 'text' as const, byteOrder: false, deterministic: true };
    expect(notStreamable({ column: 'x', op: '<', value: 'm' }, text)).toMatch(/collation/);
    expect(notStreamable({ column: 'x', op: '=', value: 'm' }, text)).toBeNull();
    expect(notStreamable({ column: 'x', op: '<', value: 'm' }, { ...text, byteOrder: true })).toBeNull();
    expect(notStreamable({ column: 'x', op: '=', value: 'm' }, { ...text, deterministic: false })).toMatch(/nondeterministic/);
    expect(notStreamable({ column: 'x', op: '=', value: 1 }, null)).toMatch(/type/);
    expect(notStreamable({ column: 'x', op: 'is_null' }, null)).toBeNull();
  });
});
