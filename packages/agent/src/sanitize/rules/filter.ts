// A custom rule's structured filter evaluated in JavaScript on one row's COPY text values, with
// PostgreSQL's semantics for the column types where JavaScript can be exact (the in-stream path;
// rules/sql.ts builds the same filter as SQL):
//
// - a literal takes the column's type, as the untyped bind parameter of the SQL path does: the
//   caller gives it here already in its canonical text (PostgreSQL's own cast, read in the
//   snapshot session), so that `'042'` = `42` on an integer column and a literal the type refuses
//   fails before the first row;
// - NULL makes every comparison, `like` and `in` false (SQL's unknown, in a WHERE: not selected);
// - integers compare as BigInt, numeric as decimals (NaN above every number, as in PostgreSQL),
//   floats as numbers (NaN equal to itself and above everything), booleans false < true, dates and
//   timestamps (ISO output) by their fields, uuid by its canonical hex, char(n) without its
//   trailing spaces;
// - text `=`/`!=` compare bytes (equality under any deterministic collation); text `<`, `<=`, `>`,
//   `>=` compare UTF-8 bytes, which is PostgreSQL's order only under the C or POSIX collation (and
//   glibc's C.UTF-8: code point order, our clusters' locale). Under any other collation (en_US,
//   ICU, …) the order is the C library's or ICU's, which
//   JavaScript does not reproduce exactly: such a filter is not evaluated here (`streamable`
//   says why) and its rule runs in SQL after the load instead;
// - `like` matches the value as `::text` gives it (booleans `true`/`false`, char(n) without its
//   padding): `%` any run of characters, `_` one character, a backslash makes the next character
//   literal; the whole value must match, case-sensitively.
//
// Any other column type in a filter (timestamptz, json, citext, arrays, …) is not streamable either.
import type { RuleCondition } from '@oec/shared';
import { likeRegExp } from '../like.js';

/** How values of a column type compare. */
export type ValueKind = 'int' | 'float' | 'numeric' | 'bool' | 'datetime' | 'uuid' | 'text' | 'bpchar';

const KINDS: Record<string, ValueKind> = {
  int2: 'int',
  int4: 'int',
  int8: 'int',
  oid: 'int',
  float4: 'float',
  float8: 'float',
  numeric: 'numeric',
  bool: 'bool',
  date: 'datetime',
  timestamp: 'datetime',
  uuid: 'uuid',
  text: 'text',
  varchar: 'text',
  bpchar: 'bpchar',
};

/** The kind of a pg_type name, or null when the filter is not evaluated in JavaScript. */
export function kindOf(type: string): ValueKind | null {
  return KINDS[type] ?? null;
}

/** What the evaluator needs of a filter column. */
export interface FilterColumn {
  kind: ValueKind;
  /** The column's collation orders by bytes (C, POSIX, C.UTF-8). */
  byteOrder: boolean;
  /** The column's collation is deterministic (equality is byte equality). */
  deterministic: boolean;
}

const ORDERING = new Set(['<', '<=', '>', '>=']);

/** Why this condition cannot be evaluated in JavaScript exactly as PostgreSQL does, or null. */
export function notStreamable(c: RuleCondition, col: FilterColumn | null): string | null {
  if (c.op === 'is_null' || c.op === 'is_not_null') return null;
  if (!col) return `the filter compares ${c.column}, a type the stream does not compare`;
  const text = col.kind === 'text' || col.kind === 'bpchar';
  if (text && !col.deterministic) return `the filter compares ${c.column} under a nondeterministic collation`;
  if (text && ORDERING.has(c.op) && !col.byteOrder) return `the filter orders ${c.column} by its collation, which the stream does not reproduce`;
  return null;
}

function rtrim(v: string): string {
  return v.replace(/ +$/, '');
}

function compareBigInt(a: string, b: string): number {
  const x = BigInt(a.trim());
  const y = BigInt(b.trim());
  return x < y ? -1 : x > y ? 1 : 0;
}

/** PostgreSQL's float order: NaN equals NaN and sorts above everything, -0 = 0. */
function compareFloat(a: string, b: string): number {
  const x = Number(a);
  const y = Number(b);
  if (Number.isNaN(x) || Number.isNaN(y)) return Number(Number.isNaN(x)) - Number(Number.isNaN(y));
  return x < y ? -1 : x > y ? 1 : 0;
}

const DECIMAL = /^([+-]?)0*(\d*)(?:\.(\d*))?$/;

/** Two numeric outputs compared as decimals; NaN above Infinity above every number. */
export function compareNumeric(a: string, b: string): number {
  const rank = (v: string): number => (v === 'NaN' ? 3 : v === 'Infinity' ? 2 : v === '-Infinity' ? -2 : 0);
  const [ra, rb] = [rank(a), rank(b)];
  if (ra !== 0 || rb !== 0) return Math.sign(ra - rb);
  const [ma, mb] = [DECIMAL.exec(a), DECIMAL.exec(b)];
  if (!ma || !mb) throw new Error(`not a numeric value: ${ma ? b : a}`);
  const parts = (m: RegExpExecArray): { neg: boolean; int: string; frac: string } => {
    const int = m[2] ?? '';
    const frac = (m[3] ?? '').replace(/0+$/, '');
    return { neg: m[1] === '-' && (int !== '' || frac !== ''), int, frac };
  };
  const [x, y] = [parts(ma), parts(mb)];
  if (x.neg !== y.neg) return x.neg ? -1 : 1;
  const sign = x.neg ? -1 : 1;
  if (x.int.length !== y.int.length) return sign * Math.sign(x.int.length - y.int.length);
  if (x.int !== y.int) return sign * (x.int < y.int ? -1 : 1);
  const width = Math.max(x.frac.length, y.frac.length);
  const [fa, fb] = [x.frac.padEnd(width, '0'), y.frac.padEnd(width, '0')];
  return fa === fb ? 0 : sign * (fa < fb ? -1 : 1);
}

const ISO_DATETIME = /^(\d{4,})(-\d\d-\d\d(?: \d\d:\d\d:\d\d(?:\.\d+)?)?)( BC)?$/;

/**
 * A date or timestamp (DateStyle ISO) as a sortable pair: the astronomical year, then the rest of
 * the text (fixed width but for the fraction, which sorts as text). ±infinity at the ends.
 */
export function datetimeKey(v: string): [number, string] {
  if (v === 'infinity') return [Infinity, ''];
  if (v === '-infinity') return [-Infinity, ''];
  const m = ISO_DATETIME.exec(v);
  if (!m) throw new Error(`not an ISO date or timestamp: ${v}`);
  const year = Number(m[1]);
  return [m[3] ? 1 - year : year, m[2] ?? ''];
}

function compareDatetime(a: string, b: string): number {
  const [x, y] = [datetimeKey(a), datetimeKey(b)];
  if (x[0] !== y[0]) return x[0] < y[0] ? -1 : 1;
  return x[1] === y[1] ? 0 : x[1] < y[1] ? -1 : 1;
}

function boolValue(v: string): boolean {
  return v === 't' || v === 'true';
}

function compareBytes(a: string, b: string): number {
  return Math.sign(Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));
}

/** The order of two non-null values of a kind (canonical text, COPY or the literal's cast). */
export function compareValues(kind: ValueKind, a: string, b: string): number {
  switch (kind) {
    case 'int':
      return compareBigInt(a, b);
    case 'float':
      return compareFloat(a, b);
    case 'numeric':
      return compareNumeric(a, b);
    case 'bool':
      return Number(boolValue(a)) - Number(boolValue(b));
    case 'datetime':
      return compareDatetime(a, b);
    case 'uuid':
      return compareBytes(a.toLowerCase(), b.toLowerCase());
    case 'text':
      return compareBytes(a, b);
    case 'bpchar':
      return compareBytes(rtrim(a), rtrim(b));
  }
}

/** What `value::text` gives for a COPY value of this kind (the left side of the SQL path's LIKE). */
function asText(kind: ValueKind, v: string): string {
  if (kind === 'bool') return boolValue(v) ? 'true' : 'false';
  return kind === 'bpchar' ? rtrim(v) : v;
}

/** A condition with its literals in their canonical text (see the header). */
export type CanonicalCondition =
  | { column: string; op: 'is_null' | 'is_not_null' }
  | { column: string; op: 'like'; value: string }
  | { column: string; op: '=' | '!=' | '<' | '<=' | '>' | '>=' | 'in'; values: readonly string[] };

const HOLDS: Record<'=' | '!=' | '<' | '<=' | '>' | '>=', (order: number) => boolean> = {
  '=': (o) => o === 0,
  '!=': (o) => o !== 0,
  '<': (o) => o < 0,
  '<=': (o) => o <= 0,
  '>': (o) => o > 0,
  '>=': (o) => o >= 0,
};

/** The test of one condition on the COPY value of its column (null = SQL NULL). */
export function conditionTest(c: CanonicalCondition, kind: ValueKind): (value: string | null) => boolean {
  switch (c.op) {
    case 'is_null':
      return (v) => v === null;
    case 'is_not_null':
      return (v) => v !== null;
    case 'like': {
      const re = likeRegExp(c.value);
      return (v) => v !== null && re.test(asText(kind, v));
    }
    case 'in':
      return (v) => v !== null && c.values.some((x) => compareValues(kind, v, x) === 0);
    default: {
      const holds = HOLDS[c.op];
      const literal = c.values[0] as string;
      return (v) => v !== null && holds(compareValues(kind, v, literal));
    }
  }
}
