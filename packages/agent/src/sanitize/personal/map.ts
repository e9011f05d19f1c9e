// The personal data map of one database, computed per clone from its schema: every column that
// holds personal data, with its kind and whose data it is. Four sources, in this order: the
// project's catalogue of Odoo's fields (per major series), Odoo's own field metadata
// (`ir_model_fields`: custom and Studio fields), column-name patterns, and a bounded sample of
// the values of varchar columns that no name gives away (email- or phone-shaped values).
import {
  BY_VALUE_OPTIONS,
  kindFromName,
  personalCatalogue,
  personalOptionFor,
  type Audience,
  type PersonalColumn,
  type PersonalKind,
  type SanitizationOptionKey,
  type SanitizationOptions,
  type SanitizationRule,
  ruleCovers,
} from '@oec/shared';
import type { SqlRunner } from '../types.js';

export type ValueType = 'text' | 'json' | 'date' | 'number' | 'other';
export type PersonalSource = 'catalogue' | 'odoo_metadata' | 'name' | 'sample';

export interface MappedColumn {
  table: string;
  column: string;
  kind: PersonalKind;
  audience: Audience;
  source: PersonalSource;
  type: ValueType;
  nullable: boolean;
  /** The option that masks it; null for free text and JSON (masked by value) and kept columns. */
  option: SanitizationOptionKey | null;
}

export interface TextColumn {
  table: string;
  column: string;
  json: boolean;
}

export interface PersonalMap {
  columns: MappedColumn[];
  /** Every text, varchar and JSON column of every table: where values are searched and replaced. */
  textColumns: TextColumn[];
}

/** Tables whose columns the name patterns and the sample never classify (Odoo's own metadata). */
const SYSTEM_TABLE = /^(ir_|base_|res_lang|res_country|res_currency|report_|bus_presence|web_tour|mail_alias|mail_template|fetchmail_server|website$)/;
/** How many values of a varchar column the sample reads. */
export const SAMPLE_ROWS = 200;
const EMAIL_SHAPE = /^[^\s@<>]+@[^\s@<>]+\.[a-z]{2,}$/i;
const PHONE_SHAPE = /^\+?[0-9][0-9 ().-]{6,18}[0-9]$/;

interface CatalogRow {
  table_name: string;
  column_name: string;
  type_name: string;
  not_null: boolean;
}

function valueType(typeName: string): ValueType {
  if (['varchar', 'text', 'bpchar', 'citext', 'name'].includes(typeName)) return 'text';
  if (['jsonb', 'json'].includes(typeName)) return 'json';
  if (['date', 'timestamp', 'timestamptz'].includes(typeName)) return 'date';
  if (['int2', 'int4', 'int8', 'numeric', 'float4', 'float8'].includes(typeName)) return 'number';
  return 'other';
}

async function catalogColumns(client: SqlRunner): Promise<CatalogRow[]> {
  const { rows } = await client.query<CatalogRow>(
    `SELECT c.relname AS table_name, a.attname AS column_name, t.typname AS type_name, a.attnotnull AS not_null
       FROM pg_catalog.pg_class c
       JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid
       JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
      WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
      ORDER BY c.relname, a.attnum`,
  );
  return rows;
}

interface OdooField {
  model: string;
  name: string;
  ttype: string;
  state: string | null;
}

async function odooFields(client: SqlRunner, has: (t: string, c: string) => boolean): Promise<OdooField[]> {
  if (!has('ir_model_fields', 'model') || !has('ir_model_fields', 'ttype')) return [];
  const state = has('ir_model_fields', 'state') ? 'state' : 'NULL::text AS state';
  const { rows } = await client.query<OdooField>(
    `SELECT model, name, ttype, ${state} FROM ir_model_fields WHERE ttype IN ('char', 'text', 'html', 'date', 'datetime', 'json', 'properties')`,
  );
  return rows;
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Classify the sampled values of a column: email or phone when most of them look like one. */
export function kindFromSample(values: readonly string[]): PersonalKind | null {
  const present = values.map((v) => v.trim()).filter((v) => v.length > 0);
  if (present.length === 0) return null;
  const share = (re: RegExp): number => present.filter((v) => re.test(v)).length / present.length;
  if (share(EMAIL_SHAPE) >= 0.5) return 'email';
  if (share(PHONE_SHAPE) >= 0.5) return 'phone';
  return null;
}

async function sample(client: SqlRunner, table: string, columns: readonly string[]): Promise<Map<string, string[]>> {
  const cols = columns.map((c) => `${quoteIdent(c)}::text`).join(', ');
  const { rows } = await client.query<Record<string, string | null>>(
    `SELECT ${cols} FROM ${quoteIdent(table)} LIMIT ${SAMPLE_ROWS}`,
  );
  const out = new Map<string, string[]>();
  for (const c of columns) out.set(c, rows.map((r) => r[c]).filter((v): v is string => typeof v === 'string'));
  return out;
}

export interface LoadMapOptions {
  /** The source's Odoo series (e.g. "17.0"); picks the catalogue. */
  series?: string | null;
  /** Sample the values of unclassified varchar columns (default true). */
  sample?: boolean;
}

/** Classify every column of the database (read-only). */
export async function loadPersonalMap(client: SqlRunner, opts: LoadMapOptions = {}): Promise<PersonalMap> {
  const rows = await catalogColumns(client);
  const byTable = new Map<string, Map<string, CatalogRow>>();
  for (const r of rows) {
    let cols = byTable.get(r.table_name);
    if (!cols) byTable.set(r.table_name, (cols = new Map<string, CatalogRow>()));
    cols.set(r.column_name, r);
  }
  const has = (t: string, c: string): boolean => byTable.get(t)?.has(c) ?? false;
  const columns = new Map<string, MappedColumn>();
  const add = (table: string, column: string, kind: PersonalKind, audience: Audience, source: PersonalSource): void => {
    const key = `${table}.${column}`;
    const info = byTable.get(table)?.get(column);
    if (!info || columns.has(key)) return;
    const type = valueType(info.type_name);
    if (type === 'other') return;
    columns.set(key, { table, column, kind, audience, source, type, nullable: !info.not_null, option: personalOptionFor(kind, audience) });
  };

  for (const [table, column, kind, audience] of personalCatalogue(opts.series)) add(table, column, kind, audience, 'catalogue');

  for (const f of await odooFields(client, has)) {
    const table = f.model.replace(/\./g, '_');
    const byName = kindFromName(f.name);
    if (byName) add(table, f.name, byName, 'contact', 'odoo_metadata');
    else if (f.state === 'manual' && (f.ttype === 'text' || f.ttype === 'html')) add(table, f.name, 'free_text', 'contact', 'odoo_metadata');
  }

  for (const [table, cols] of byTable) {
    if (SYSTEM_TABLE.test(table)) continue;
    // a custom model's record name (Studio's x_name) names a person as often as not
    if (table.startsWith('x_') && cols.has('x_name')) add(table, 'x_name', 'name', 'contact', 'name');
    for (const [column, info] of cols) {
      const kind = kindFromName(column);
      if (!kind) continue;
      const type = valueType(info.type_name);
      if (type === 'text' || (kind === 'birthdate' && type === 'date')) add(table, column, kind, 'contact', 'name');
    }
  }

  if (opts.sample !== false) {
    for (const [table, cols] of byTable) {
      if (SYSTEM_TABLE.test(table)) continue;
      const unclassified = [...cols.values()]
        .filter((c) => (c.type_name === 'varchar' || c.type_name === 'bpchar') && !columns.has(`${table}.${c.column_name}`))
        .map((c) => c.column_name);
      if (unclassified.length === 0) continue;
      const values = await sample(client, table, unclassified);
      for (const [column, vals] of values) {
        const kind = kindFromSample(vals);
        if (kind) add(table, column, kind, 'contact', 'sample');
      }
    }
  }

  const textColumns: TextColumn[] = rows
    .filter((r) => ['varchar', 'text', 'bpchar', 'jsonb', 'json'].includes(r.type_name))
    .map((r) => ({ table: r.table_name, column: r.column_name, json: r.type_name === 'jsonb' || r.type_name === 'json' }));
  return { columns: [...columns.values()], textColumns };
}

/**
 * The map as the estimate shows it: every personal column with the option that masks it and
 * whether the chosen options cover it. Free text and JSON are covered by value when one of the
 * by-value options runs; staff work data and non-personal columns are left out (kept on purpose).
 */
export function personalCoverage(map: PersonalMap, options: SanitizationOptions, rules: readonly SanitizationRule[] = []): PersonalColumn[] {
  const byValue = BY_VALUE_OPTIONS.some((k) => options[k]);
  return map.columns
    .filter((c) => c.audience !== 'none' && c.audience !== 'work' && c.kind !== 'credential' && c.kind !== 'other')
    .map((c) => ({
      table: c.table,
      column: c.column,
      kind: c.kind,
      audience: c.audience,
      source: c.source,
      option_key: c.option,
      // a custom rule on the column (or truncate_table on its table) covers it too
      covered: (c.option !== null ? options[c.option] : byValue) || ruleCovers(rules, c.table, c.column),
    }));
}
