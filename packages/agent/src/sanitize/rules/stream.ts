// A project's custom rules applied to rows on their way from the source (the COPY data path), as
// rules/run.ts applies them in SQL after a restore: the same functions (rules/functions.ts), the
// same filters (rules/filter.ts), the same refusals, the same counts.
//
// Prepared from the catalog in the copy's read-only snapshot session (nothing created on the
// source): a rule whose table, column or filter column is missing is left to the SQL step, which
// reports it skipped as on the SQL path; a rule that cannot write its column (or whose filter
// literal or constant the column's type refuses) fails the copy with the SQL path's error. A rule
// is left to SQL after the load, reported so, when the stream cannot apply it exactly:
// truncate_table on a table a foreign key references (leaving its rows out would break the key
// built after the load; SQL's DELETE follows each key's ON DELETE), a filter the stream does not
// evaluate exactly (filter.ts), a constant into a column type the stream does not check, or a
// column the COPY does not carry (generated).
//
// Each row passes twice: first as it left the source, before any in-stream option wrote (the
// filters are evaluated there — the SQL path captures each rule's rows before the options run),
// then after the options, where the rules write in order (a rule's value wins over an option's).
import type pg from 'pg';
import type { SanitizationRule } from '@oec/shared';
import { likeRegExp } from '../like.js';
import { conditionTest, kindOf, notStreamable, compareValues, type CanonicalCondition, type ValueKind } from './filter.js';
import { ruleMask, type MaskFn } from './functions.js';
import { describeRule, loadColumns, misfit, missing, ruleError, type ColumnInfo } from './run.js';

/** A transform of one table's rows (clone/copy's RowTransform; null leaves the row out). */
export interface RuleRowTransform {
  columns: readonly number[];
  map(values: (string | null)[]): (string | null)[] | null;
}

/** A rule the stream applied: the rows it masked (or left out, for truncate_table). */
export interface StreamRuleCount {
  rule_index: number;
  affected_rows: number;
}

export interface RuleStream {
  /** Rules that run as SQL after the load although their table is there, and why. */
  readonly afterLoad: ReadonlyArray<{ index: number; why: string }>;
  /** The rules the stream applies, by index. */
  readonly inStream: readonly number[];
  /** Both passes of a table's rows (see the header); null when no rule of the stream is on it. */
  transformsFor(table: string, columns: readonly string[]): { source: RuleRowTransform | null; row: RuleRowTransform } | null;
  /** The rules whose table went through the stream, with their counts. */
  applied(): StreamRuleCount[];
}

interface StreamRule {
  index: number;
  rule: SanitizationRule;
  conditions: Array<{ column: string; test: (v: string | null) => boolean }>;
  /** null: the row is left out (truncate_table). */
  write: ((v: string | null) => { value: string | null; changed: boolean }) | null;
  rows: number;
  seen: boolean;
}

/** The casts the stream checks literals with: fixed names, never read from the catalog. */
const CASTS: Partial<Record<string, string>> = {
  int2: 'int2',
  int4: 'int4',
  int8: 'int8',
  oid: 'oid',
  float4: 'float4',
  float8: 'float8',
  numeric: 'numeric',
  bool: 'bool',
  date: 'date',
  timestamp: 'timestamp',
  uuid: 'uuid',
};

/**
 * A literal as the column's type reads it, in its canonical text: PostgreSQL's own cast, as the
 * SQL path's untyped parameter; a literal the type refuses fails like the SQL path's statement.
 */
async function canonical(client: pg.ClientBase, type: string, literal: string): Promise<string> {
  const cast = CASTS[type];
  if (!cast) return literal;
  const { rows } = await client.query<{ v: string }>(`SELECT $1::${cast}::text AS v`, [literal]);
  return rows[0]?.v ?? literal;
}

function literalOf(v: string | number | boolean): string {
  return typeof v === 'string' ? v : String(v);
}

async function canonicalCondition(client: pg.ClientBase, c: NonNullable<SanitizationRule['filter']>[number], info: ColumnInfo): Promise<CanonicalCondition> {
  switch (c.op) {
    case 'is_null':
    case 'is_not_null':
      return { column: c.column, op: c.op };
    case 'like':
      likeRegExp(c.value); // PostgreSQL refuses a pattern ending in its escape character
      return { column: c.column, op: 'like', value: c.value };
    case 'in': {
      const values: string[] = [];
      for (const v of c.value) values.push(await canonical(client, info.type, literalOf(v))); // one query at a time on a client
      return { column: c.column, op: 'in', values };
    }
    default:
      return { column: c.column, op: c.op, values: [await canonical(client, info.type, literalOf(c.value))] };
  }
}

/** What the stream's choices depend on besides the rule's own columns. */
interface Catalog {
  referenced: ReadonlyMap<string, 'other' | 'self'>;
  /** Dates are written `YYYY-MM-DD` (DateStyle ISO), the only form filter.ts orders. */
  isoDates: boolean;
}

/** Why the stream leaves this rule to SQL after the load, or null. */
function afterLoadReason(r: SanitizationRule, table: Map<string, ColumnInfo>, { referenced, isoDates }: Catalog): string | null {
  if (r.function === 'truncate_table') {
    const by = referenced.get(r.table);
    if (by === 'other') return 'a foreign key references the table';
    if (by === 'self' && r.filter?.length) return 'its own foreign key references the table';
  }
  for (const c of r.filter ?? []) {
    const info = table.get(c.column) as ColumnInfo;
    const kind = kindOf(info.type);
    const why = notStreamable(c, kind ? { kind, byteOrder: info.byteOrder, deterministic: info.deterministic } : null);
    if (why) return why;
    if (kind === 'datetime' && !isoDates && c.op !== 'is_null' && c.op !== 'is_not_null') return `the filter compares ${c.column}, a date not written in ISO form`;
  }
  if (r.function === 'constant') {
    const info = table.get(r.column as string) as ColumnInfo;
    // the stream compares the constant with the value (the UPDATE's IS DISTINCT FROM) by kind
    if (!kindOf(info.type)) return `a constant into a ${info.type} column is compared by PostgreSQL`;
  }
  return null;
}

function rtrim(v: string): string {
  return v.replace(/ +$/, '');
}

/** The write of a masking rule: the new value and whether the SQL path's UPDATE would count the row. */
async function writer(client: pg.ClientBase, r: SanitizationRule, info: ColumnInfo, salt: string): Promise<StreamRule['write']> {
  const mask = ruleMask(r, salt) as MaskFn;
  if (r.function === 'null') return (v) => ({ value: null, changed: v !== null });
  if (r.function === 'constant') {
    const value = r.value ?? '';
    const kind = kindOf(info.type) as ValueKind; // afterLoadReason leaves the other types to SQL
    const typed = await canonical(client, info.type, value);
    return (v) => ({ value, changed: v === null || compareValues(kind, v, typed) !== 0 });
  }
  // char(n): PostgreSQL's text functions read the value without its padding
  const read = info.type === 'bpchar' ? (v: string | null) => (v === null ? null : rtrim(v)) : (v: string | null) => v;
  return (v) => {
    const before = read(v);
    const value = mask(before);
    return value === before ? { value: v, changed: false } : { value, changed: true };
  };
}

async function referencedTables(client: pg.ClientBase, tables: readonly string[]): Promise<Map<string, 'other' | 'self'>> {
  const { rows } = await client.query<{ t: string; other: boolean }>(
    `SELECT t.relname AS t, bool_or(c.conrelid <> c.confrelid) AS other
       FROM pg_catalog.pg_constraint c
       JOIN pg_catalog.pg_class t ON t.oid = c.confrelid
       JOIN pg_catalog.pg_namespace n ON n.oid = t.relnamespace
      WHERE c.contype = 'f' AND n.nspname = 'public' AND t.relname = ANY($1::text[])
      GROUP BY t.relname`,
    [[...new Set(tables)]],
  );
  return new Map(rows.map((r) => [r.t, r.other ? 'other' : 'self']));
}

async function prepareRule(client: pg.ClientBase, index: number, rule: SanitizationRule, table: Map<string, ColumnInfo>, salt: string): Promise<StreamRule> {
  try {
    const conditions: StreamRule['conditions'] = [];
    for (const c of rule.filter ?? []) {
      const info = table.get(c.column) as ColumnInfo;
      const kind = kindOf(info.type) ?? 'text'; // only is_null / is_not_null reach here with no kind
      conditions.push({ column: c.column, test: conditionTest(await canonicalCondition(client, c, info), kind) });
    }
    const write = rule.function === 'truncate_table' ? null : await writer(client, rule, table.get(rule.column as string) as ColumnInfo, salt);
    return { index, rule, conditions, write, rows: 0, seen: false };
  } catch (e) {
    throw ruleError(index, rule, e instanceof Error ? e.message : String(e));
  }
}

/**
 * Read the rules' columns in the caller's read-only transaction (the copy's snapshot) and return
 * the stream of the rules it can apply, or null when there is none. Throws SANITIZATION_FAILED
 * (details.reason CUSTOM_RULE) for a rule the SQL path would refuse.
 */
export async function prepareRuleStream(client: pg.ClientBase, p: { rules: readonly SanitizationRule[]; salt: string }): Promise<RuleStream | null> {
  if (p.rules.length === 0) return null;
  const tables = p.rules.map((r) => r.table);
  const cols = await loadColumns(client, tables);
  const dateStyle = await client.query<{ v: string }>(`SELECT current_setting('DateStyle') AS v`);
  const catalog: Catalog = { referenced: await referencedTables(client, tables), isoDates: /^ISO\b/.test(dateStyle.rows[0]?.v ?? '') };
  const ready: StreamRule[] = [];
  const afterLoad: Array<{ index: number; why: string }> = [];
  for (const [index, rule] of p.rules.entries()) {
    if (missing(cols, rule)) continue; // the SQL step reports it skipped, with the reason
    const bad = misfit(cols, rule);
    if (bad) throw ruleError(index, rule, bad);
    const table = cols.get(rule.table) as Map<string, ColumnInfo>;
    const why = afterLoadReason(rule, table, catalog);
    if (why) afterLoad.push({ index, why });
    else ready.push(await prepareRule(client, index, rule, table, p.salt));
  }
  if (ready.length === 0 && afterLoad.length === 0) return null;
  return new Rules(ready, afterLoad);
}

class Rules implements RuleStream {
  readonly inStream: readonly number[];

  constructor(
    private readonly rules: readonly StreamRule[],
    readonly afterLoad: ReadonlyArray<{ index: number; why: string }>,
  ) {
    this.inStream = rules.map((r) => r.index);
  }

  transformsFor(table: string, columns: readonly string[]): { source: RuleRowTransform | null; row: RuleRowTransform } | null {
    const at = new Map(columns.map((c, i) => [c, i]));
    // a rule naming a column the COPY does not carry (generated) stays SQL's, as does a table
    // without columns (its rows have no field to parse)
    if (columns.length === 0) return null;
    const rules = this.rules.filter((r) => r.rule.table === table && [r.rule.column, ...r.conditions.map((c) => c.column)].every((c) => c === undefined || at.has(c)));
    if (rules.length === 0) return null;
    for (const r of rules) r.seen = true;
    const reads = [...new Set(rules.flatMap((r) => r.conditions.map((c) => at.get(c.column) as number)))].sort((a, b) => a - b);
    const writes = [...new Set(rules.flatMap((r) => (r.rule.column ? [at.get(r.rule.column) as number] : [])))].sort((a, b) => a - b);
    // the filters' outcome of the row in flight: both passes run one after the other on each row
    const selected = rules.map(() => true);
    const readSlot = new Map(reads.map((c, i) => [c, i]));
    const tests = rules.map((r) => r.conditions.map((c) => ({ slot: readSlot.get(at.get(c.column) as number) as number, test: c.test })));
    const source: RuleRowTransform | null =
      reads.length === 0
        ? null
        : {
            columns: reads,
            map: (values) => {
              tests.forEach((list, k) => (selected[k] = list.every((t) => t.test(values[t.slot] ?? null))));
              return values;
            },
          };
    const writeSlot = new Map(writes.map((c, i) => [c, i]));
    const slots = rules.map((r) => (r.rule.column ? (writeSlot.get(at.get(r.rule.column) as number) as number) : -1));
    const row: RuleRowTransform = {
      // truncate_table alone writes no field, but its rows must be parsed to be left out
      columns: writes.length > 0 ? writes : [0],
      map: (values) => {
        for (let k = 0; k < rules.length; k++) {
          if (!selected[k]) continue;
          const r = rules[k] as StreamRule;
          if (!r.write) {
            r.rows++;
            return null;
          }
          const slot = slots[k] as number;
          const out = r.write(values[slot] ?? null);
          if (!out.changed) continue;
          values[slot] = out.value;
          r.rows++;
        }
        return values;
      },
    };
    return { source, row };
  }

  applied(): StreamRuleCount[] {
    return this.rules.filter((r) => r.seen).map((r) => ({ rule_index: r.index, affected_rows: r.rows }));
  }
}

/** For the log: `rule 2 (hash on res_partner.x_token): after the load (…)`. */
export function describeAfterLoad(rules: readonly SanitizationRule[], s: RuleStream): string[] {
  return s.afterLoad.map((a) => `custom ${describeRule(a.index, rules[a.index] as SanitizationRule)}: after the load (${a.why})`);
}
