// Bulk inserts for the generator: rows are buffered per table and sent as
// `INSERT ... SELECT FROM unnest($1::type[], $2::type[], ...)`, one parameter array per column,
// typed from the catalog. Every value travels as a parameter; batches are bounded in rows and bytes.
import type pg from 'pg';

export type SqlValue = string | number | boolean | null | Buffer;
export type Row = Record<string, SqlValue>;

const MAX_ROWS = 5000;
const MAX_BYTES = 8 * 1024 * 1024;

/** Column name → SQL type (as format_type prints it) of a table in `public`. */
export async function columnTypes(client: pg.ClientBase, table: string): Promise<Map<string, string>> {
  const { rows } = await client.query<{ name: string; type: string }>(
    `SELECT a.attname AS name, format_type(a.atttypid, NULL) AS type
       FROM pg_attribute a
      WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped
      ORDER BY a.attnum`,
    [`public.${table}`],
  );
  return new Map(rows.map((r) => [r.name, r.type]));
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function approxBytes(v: SqlValue): number {
  if (v === null) return 1;
  if (typeof v === 'string') return v.length + 3;
  if (Buffer.isBuffer(v)) return v.length * 2 + 4;
  return 8;
}

/** Buffers rows of one table and inserts them in batches. Columns come from the first row. */
export class TableWriter {
  private columns: string[] | undefined;
  private batch: Row[] = [];
  private bytes = 0;
  private types: Map<string, string> | undefined;
  /** Rows written so far (flushed). */
  written = 0;

  constructor(
    private readonly client: pg.ClientBase,
    readonly table: string,
  ) {}

  async add(row: Row): Promise<void> {
    this.columns ??= Object.keys(row);
    this.batch.push(row);
    for (const v of Object.values(row)) this.bytes += approxBytes(v);
    if (this.batch.length >= MAX_ROWS || this.bytes >= MAX_BYTES) await this.flush();
  }

  async addAll(rows: readonly Row[]): Promise<void> {
    for (const r of rows) await this.add(r);
  }

  async flush(): Promise<void> {
    const rows = this.batch;
    const columns = this.columns;
    if (rows.length === 0 || !columns) return;
    this.batch = [];
    this.bytes = 0;
    this.types ??= await columnTypes(this.client, this.table);
    const types = this.types;
    const params = columns.map((c) => rows.map((r) => (c in r ? (r[c] ?? null) : null)));
    const casts = columns.map((c, i) => {
      const t = types.get(c);
      if (!t) throw new Error(`${this.table}.${c}: no such column`);
      return `$${i + 1}::${t}[]`;
    });
    for (const r of rows) {
      for (const k of Object.keys(r)) if (!columns.includes(k)) throw new Error(`${this.table}: stray column ${k}`);
    }
    const cols = columns.map(quoteIdent).join(', ');
    await this.client.query(`INSERT INTO public.${quoteIdent(this.table)} (${cols}) SELECT * FROM unnest(${casts.join(', ')})`, params);
    this.written += rows.length;
  }
}

/** Insert all rows of a small table at once. */
export async function insertRows(client: pg.ClientBase, table: string, rows: readonly Row[]): Promise<void> {
  const w = new TableWriter(client, table);
  await w.addAll(rows);
  await w.flush();
}

/** Set every id sequence past the largest id of its table, so later inserts (by Odoo) work. */
export async function fixSequences(client: pg.ClientBase, tables: readonly string[]): Promise<void> {
  for (const t of tables) {
    const { rows } = await client.query<{ seq: string | null }>(`SELECT pg_get_serial_sequence($1, 'id') AS seq`, [
      `public.${t}`,
    ]);
    const seq = rows[0]?.seq;
    if (!seq) continue;
    await client.query(`SELECT setval($1::regclass, COALESCE((SELECT max(id) FROM public.${quoteIdent(t)}), 0) + 1, false)`, [seq]);
  }
}
