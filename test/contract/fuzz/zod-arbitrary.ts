// fast-check arbitraries derived from zod 3 schemas: `validish` aims at values the schema
// accepts (so requests reach the services behind the parse), `mutated` breaks one place of such a
// value (wrong type, boundary length, hostile unicode, missing or extra key). No maintained bridge
// fits: zod-fast-check only generates valid values and pins fast-check below 4. Schemas are read
// through `_def.typeName`, not `instanceof`, so a second copy of zod cannot fool the walk.
import fc from 'fast-check';
import type { z } from 'zod';

/** Real ids for a uuid at this key path (e.g. `['target', 'environment_id']`), or none. */
export type IdPool = (path: readonly string[]) => readonly string[];

export interface GenOptions {
  ids: IdPool;
}

type Def = { typeName: string; [k: string]: unknown };
type Check = { kind: string; value?: unknown; inclusive?: boolean; regex?: RegExp };

const def = (s: z.ZodTypeAny): Def => s._def as Def;
const checks = (s: z.ZodTypeAny): Check[] => (def(s).checks as Check[] | undefined) ?? [];

/** Strings a careless handler trips on: RTL override, combining marks, emoji, zero-width, NUL, lone surrogate, SQL/shell. */
export const HOSTILE = [
  'e\u0301\u0301\u0301',
  '\u202Eevil\u202C',
  'שלום עולם',
  '👩‍👩‍👧‍👦🏳️‍🌈',
  '\u200B\uFEFF',
  'a\u0000b',
  '\uD800',
  '\uDC00x',
  "'; DROP TABLE users; --",
  '$(touch /tmp/x)`id`',
  '../../etc/passwd',
  '%00%2e%2e%2f',
  '\r\nX-Injected: 1',
  'Ω'.repeat(50),
  ' ',
  '',
] as const;

const hostile = fc.constantFrom(...HOSTILE);
const anyText = fc.oneof(
  { arbitrary: fc.string({ maxLength: 24 }), weight: 3 },
  { arbitrary: fc.string({ unit: 'grapheme', maxLength: 12 }), weight: 2 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 12 }), weight: 1 },
  { arbitrary: hostile, weight: 2 },
);

/** Any JSON value of a type other than `not` (`'array'`, `'object'`, `'string'` …). */
export function wrongType(not: string): fc.Arbitrary<unknown> {
  const all: [string, fc.Arbitrary<unknown>][] = [
    ['string', anyText],
    ['number', fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constant(1e308))],
    ['boolean', fc.boolean()],
    ['null', fc.constant(null)],
    ['array', fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 3 })],
    ['object', fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 })],
  ];
  return fc.oneof(...all.filter(([k]) => k !== not).map(([, a]) => a));
}

function kindOf(s: z.ZodTypeAny): string {
  switch (def(s).typeName) {
    case 'ZodString':
    case 'ZodEnum':
    case 'ZodNativeEnum':
      return 'string';
    case 'ZodNumber':
      return 'number';
    case 'ZodBoolean':
      return 'boolean';
    case 'ZodArray':
      return 'array';
    case 'ZodObject':
    case 'ZodRecord':
      return 'object';
    case 'ZodLiteral':
      return typeof def(s).value;
    default:
      return 'unknown';
  }
}

function lengthBounds(s: z.ZodTypeAny): { min: number; max: number | null; pattern: RegExp | null; format: string | null } {
  let min = 0;
  let max: number | null = null;
  let pattern: RegExp | null = null;
  let format: string | null = null;
  for (const c of checks(s)) {
    if (c.kind === 'min') min = Number(c.value);
    else if (c.kind === 'max') max = Number(c.value);
    else if (c.kind === 'length') min = max = Number(c.value);
    else if (c.kind === 'regex' && c.regex) pattern = c.regex;
    else if (['uuid', 'email', 'url', 'datetime', 'cuid', 'ulid', 'ip'].includes(c.kind)) format = c.kind;
  }
  return { min, max, pattern, format };
}

function numberBounds(s: z.ZodTypeAny): { min: number; max: number; int: boolean; minExclusive: boolean; maxExclusive: boolean } {
  let min = -1e9;
  let max = 1e9;
  let int = false;
  let minExclusive = false;
  let maxExclusive = false;
  for (const c of checks(s)) {
    if (c.kind === 'int') int = true;
    else if (c.kind === 'min') [min, minExclusive] = [Number(c.value), c.inclusive === false];
    else if (c.kind === 'max') [max, maxExclusive] = [Number(c.value), c.inclusive === false];
  }
  return { min, max, int, minExclusive, maxExclusive };
}

function validString(s: z.ZodTypeAny, path: readonly string[], o: GenOptions): fc.Arbitrary<string> {
  const { min, max, pattern, format } = lengthBounds(s);
  const cap = max ?? Math.max(min, 40);
  const fits = (v: string) => v.length >= min && v.length <= cap;
  if (format === 'uuid') {
    const real = o.ids(path);
    return real.length > 0 ? fc.oneof({ arbitrary: fc.constantFrom(...real), weight: 4 }, { arbitrary: fc.uuid(), weight: 1 }) : fc.uuid();
  }
  if (format === 'email') return fc.oneof(fc.emailAddress(), fc.constantFrom('alice@example.com', 'bob@example.com', 'ALICE@Example.COM'));
  if (format === 'url') return fc.oneof(fc.webUrl(), fc.constantFrom('https://hooks.example.com/x', 'http://127.0.0.1:1/x', 'http://[::1]/'));
  const base = pattern
    ? fc.stringMatching(pattern)
    : fc.oneof(
        { arbitrary: fc.string({ minLength: min, maxLength: Math.min(cap, 60) }), weight: 4 },
        { arbitrary: fc.string({ unit: 'grapheme', minLength: min, maxLength: Math.min(cap, 30) }), weight: 2 },
        { arbitrary: hostile, weight: 1 },
      );
  // A long regex match or a hostile constant may break the bounds: then trim or pad it.
  return base.map((v) => (fits(v) ? v : v.slice(0, cap).padEnd(min, 'a')));
}

function validNumber(s: z.ZodTypeAny): fc.Arbitrary<number> {
  const b = numberBounds(s);
  const lo = b.minExclusive ? b.min + (b.int ? 1 : 1e-6) : b.min;
  const hi = b.maxExclusive ? b.max - (b.int ? 1 : 1e-6) : b.max;
  if (b.int) {
    const [l, h] = [Math.ceil(Math.max(lo, Number.MIN_SAFE_INTEGER)), Math.floor(Math.min(hi, Number.MAX_SAFE_INTEGER))];
    return fc.oneof(fc.integer({ min: l, max: h }), fc.constantFrom(l, h));
  }
  return fc.oneof(fc.double({ min: lo, max: hi, noNaN: true, noDefaultInfinity: true }), fc.constantFrom(lo, hi));
}

function validObject(s: z.ZodTypeAny, path: readonly string[], o: GenOptions): fc.Arbitrary<Record<string, unknown>> {
  const shape = (def(s).shape as () => Record<string, z.ZodTypeAny>)();
  const entries = Object.entries(shape);
  const model = Object.fromEntries(entries.map(([k, v]) => [k, validish(v, [...path, k], o)]));
  const requiredKeys = entries.filter(([, v]) => !v.isOptional()).map(([k]) => k);
  return fc.record(model, { requiredKeys }).map((r) => {
    // fc.record leaves optional keys out; a present `undefined` would only be dropped by JSON anyway.
    return Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined));
  });
}

/** Values shaped like the schema's input, most of them accepted by it. */
export function validish(s: z.ZodTypeAny, path: readonly string[], o: GenOptions, depth = 0): fc.Arbitrary<unknown> {
  const d = def(s);
  if (depth > 8) return fc.constant(null);
  switch (d.typeName) {
    case 'ZodString':
      return validString(s, path, o);
    case 'ZodNumber':
      return validNumber(s);
    case 'ZodBigInt':
      return fc.integer();
    case 'ZodBoolean':
      return fc.boolean();
    case 'ZodLiteral':
      return fc.constant(d.value);
    case 'ZodEnum':
      return fc.constantFrom(...(d.values as string[]));
    case 'ZodNativeEnum':
      return fc.constantFrom(...Object.values(d.values as Record<string, string>));
    case 'ZodNull':
      return fc.constant(null);
    case 'ZodUndefined':
      return fc.constant(undefined);
    case 'ZodAny':
    case 'ZodUnknown':
      return fc.jsonValue({ maxDepth: 2 });
    case 'ZodArray': {
      const min = (d.exactLength as { value: number } | null)?.value ?? (d.minLength as { value: number } | null)?.value ?? 0;
      const max = (d.exactLength as { value: number } | null)?.value ?? (d.maxLength as { value: number } | null)?.value ?? 4;
      return fc.array(validish(d.type as z.ZodTypeAny, [...path, '0'], o, depth + 1), { minLength: min, maxLength: Math.min(max, Math.max(min, 4)) });
    }
    case 'ZodObject':
      return validObject(s, path, o);
    case 'ZodRecord':
      return fc.dictionary(
        fc.string({ minLength: 1, maxLength: 12 }),
        validish(d.valueType as z.ZodTypeAny, [...path, '*'], o, depth + 1),
        { maxKeys: 3 },
      );
    case 'ZodOptional':
      return fc.option(validish(d.innerType as z.ZodTypeAny, path, o, depth + 1), { nil: undefined, freq: 4 });
    case 'ZodNullable':
      return fc.option(validish(d.innerType as z.ZodTypeAny, path, o, depth + 1), { nil: null, freq: 4 });
    case 'ZodDefault':
    case 'ZodCatch':
    case 'ZodReadonly':
      return validish(d.innerType as z.ZodTypeAny, path, o, depth + 1);
    case 'ZodBranded':
      return validish(d.type as z.ZodTypeAny, path, o, depth + 1);
    case 'ZodEffects':
      return validish(d.schema as z.ZodTypeAny, path, o, depth + 1);
    case 'ZodPipeline':
      return validish(d.in as z.ZodTypeAny, path, o, depth + 1);
    case 'ZodLazy':
      return validish((d.getter as () => z.ZodTypeAny)(), path, o, depth + 1);
    case 'ZodUnion':
    case 'ZodDiscriminatedUnion': {
      const options = d.options as z.ZodTypeAny[] | Map<unknown, z.ZodTypeAny>;
      const list = Array.isArray(options) ? options : [...options.values()];
      return fc.oneof(...list.map((x) => validish(x, path, o, depth + 1)));
    }
    case 'ZodTuple':
      return fc.tuple(...(d.items as z.ZodTypeAny[]).map((x, i) => validish(x, [...path, String(i)], o, depth + 1)));
    default:
      throw new Error(`zod-arbitrary: no generator for ${d.typeName} at ${path.join('.') || '(root)'}`);
  }
}

/** The schema without optional/nullable/default/effects wrappers. */
export function unwrap(s: z.ZodTypeAny): z.ZodTypeAny {
  const d = def(s);
  switch (d.typeName) {
    case 'ZodOptional':
    case 'ZodNullable':
    case 'ZodDefault':
    case 'ZodCatch':
    case 'ZodReadonly':
      return unwrap(d.innerType as z.ZodTypeAny);
    case 'ZodBranded':
      return unwrap(d.type as z.ZodTypeAny);
    case 'ZodEffects':
      return unwrap(d.schema as z.ZodTypeAny);
    case 'ZodPipeline':
      return unwrap(d.in as z.ZodTypeAny);
    default:
      return s;
  }
}

/** Values at and just past the edges of this one node. */
function edges(s: z.ZodTypeAny): fc.Arbitrary<unknown> {
  const d = def(s);
  switch (d.typeName) {
    case 'ZodString': {
      const { min, max } = lengthBounds(s);
      // Lengths just outside the bounds (and far past the upper one); unbounded: long ones.
      const lens = [...(min > 0 ? [0, min - 1] : []), ...(max === null ? [5000, 20_000] : [max + 1, max * 4 + 10])];
      return fc.oneof(
        fc.tuple(fc.constantFrom(...lens), fc.constantFrom('x', 'é', '😀', '\u0301', 'ש')).map(([n, ch]) => ch.repeat(n)),
        hostile,
        anyText,
      );
    }
    case 'ZodNumber': {
      const b = numberBounds(s);
      return fc.constantFrom(b.min - 1, b.max + 1, 0, -0, -1, 0.5, 1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, 2 ** 31, b.int ? 1.5 : 0.1);
    }
    case 'ZodEnum':
    case 'ZodNativeEnum': {
      const values = d.typeName === 'ZodEnum' ? (d.values as string[]) : Object.values(d.values as Record<string, string>);
      const near = (v: string) => [v.toUpperCase(), ` ${v}`, `${v}\u0000`, `${v}x`, v.slice(1), ''];
      return fc.tuple(fc.constantFrom(...values), fc.nat(5)).map(([v, i]) => near(v)[i] ?? '');
    }
    case 'ZodLiteral':
      return fc.constantFrom(String(d.value), null, 0, 'true');
    case 'ZodArray': {
      const max = (d.maxLength as { value: number } | null)?.value ?? 50;
      const elem = validish(d.type as z.ZodTypeAny, [], { ids: () => [] });
      return fc.oneof(fc.constant([]), fc.array(elem, { minLength: max + 1, maxLength: max + 1 }), fc.array(wrongType(kindOf(d.type as z.ZodTypeAny)), { minLength: 1, maxLength: 3 }));
    }
    default:
      return wrongType(kindOf(s));
  }
}

/**
 * A value of the schema's shape broken in one place: this node's type or bounds, or (for objects
 * and arrays) one key missing, one key too many, or one child broken the same way.
 */
export function mutated(s: z.ZodTypeAny, path: readonly string[], o: GenOptions, depth = 0): fc.Arbitrary<unknown> {
  const inner = unwrap(s);
  const d = def(inner);
  const here = fc.oneof(
    { arbitrary: wrongType(kindOf(inner)), weight: 2 },
    { arbitrary: edges(inner), weight: 3 },
  );
  if (depth > 6) return here;
  if (d.typeName === 'ZodObject') {
    const shape = (d.shape as () => Record<string, z.ZodTypeAny>)();
    const keys = Object.keys(shape);
    const base = validObject(inner, path, o);
    const extraKey = fc.oneof(fc.string({ minLength: 1, maxLength: 12 }), fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'ID', `${keys[0] ?? 'x'} `));
    const required = keys.filter((k) => !(shape[k] as z.ZodTypeAny).isOptional());
    const missing = required.length === 0 ? base : fc.tuple(base, fc.constantFrom(...required)).map(([v, k]) => {
      const copy = { ...v };
      delete copy[k];
      return copy;
    });
    const extra = fc.tuple(base, extraKey, fc.jsonValue({ maxDepth: 1 })).map(([v, k, x]) => {
      const copy = { ...v };
      // defineProperty: `__proto__` must become an own key that JSON.stringify writes out.
      if (!(k in shape)) Object.defineProperty(copy, k, { value: x, enumerable: true, configurable: true, writable: true });
      return copy;
    });
    // Built once per key here, not inside a chain: building arbitraries per drawn value is slow.
    const children = keys.map((k) => fc.tuple(base, mutated(shape[k] as z.ZodTypeAny, [...path, k], o, depth + 1)).map(([v, x]) => ({ ...v, [k]: x })));
    const child = children.length === 0 ? base : fc.oneof(...children);
    return fc.oneof({ arbitrary: here, weight: 1 }, { arbitrary: missing, weight: 2 }, { arbitrary: extra, weight: 2 }, { arbitrary: child, weight: 5 });
  }
  if (d.typeName === 'ZodArray') {
    const elem = d.type as z.ZodTypeAny;
    const child = fc.tuple(fc.array(validish(elem, [...path, '0'], o, depth + 1), { maxLength: 3 }), mutated(elem, [...path, '0'], o, depth + 1), fc.nat())
      .map(([items, bad, at]) => {
        const copy = [...items];
        copy.splice(at % (copy.length + 1), 0, bad);
        return copy;
      });
    return fc.oneof({ arbitrary: here, weight: 2 }, { arbitrary: child, weight: 3 });
  }
  if (d.typeName === 'ZodUnion' || d.typeName === 'ZodDiscriminatedUnion') {
    const options = d.options as z.ZodTypeAny[] | Map<unknown, z.ZodTypeAny>;
    const list = Array.isArray(options) ? options : [...options.values()];
    return fc.oneof(here, ...list.map((x) => mutated(x, path, o, depth + 1)));
  }
  if (d.typeName === 'ZodRecord') {
    const value = d.valueType as z.ZodTypeAny;
    const child = fc.tuple(fc.string({ maxLength: 10 }), mutated(value, [...path, '*'], o, depth + 1)).map(([k, v]) => ({ [k]: v }));
    return fc.oneof(here, child);
  }
  return here;
}
