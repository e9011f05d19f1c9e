// What the target database actually has: the tables and columns of `public`, read once from the
// catalog. Options consult it before every statement so that a module that is not installed (no
// table) or a module that altered the schema (no column) turns into a skipped step with a warning
// instead of a failed clone.
import type pg from 'pg';

export interface ColumnInfo {
  nullable: boolean;
  hasDefault: boolean;
  /** character_maximum_length for varchar(n), else null. */
  maxLength: number | null;
}

export class SchemaInfo {
  private constructor(private readonly tables: ReadonlyMap<string, ReadonlyMap<string, ColumnInfo>>) {}

  /**
   * Read the columns of the given tables (all of `public` when `only` is omitted) from the
   * catalog — what information_schema.columns shows, without its pg_get_expr() on defaults, which
   * takes a lock on every table and would wait behind any exclusive lock on the source.
   */
  static async load(client: pg.ClientBase, only?: readonly string[]): Promise<SchemaInfo> {
    const { rows } = await client.query<{
      table_name: string;
      column_name: string;
      not_null: boolean;
      has_default: boolean;
      max_length: number | null;
    }>(
      `SELECT c.relname AS table_name, a.attname AS column_name, a.attnotnull AS not_null, a.atthasdef AS has_default,
              CASE WHEN a.atttypid IN ('varchar'::regtype, 'bpchar'::regtype) AND a.atttypmod > 4 THEN a.atttypmod - 4 END AS max_length
         FROM pg_catalog.pg_class c
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
         JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
          AND ($1::text[] IS NULL OR c.relname = ANY($1::text[]))`,
      [only ? [...only] : null],
    );
    const tables = new Map<string, Map<string, ColumnInfo>>();
    for (const r of rows) {
      let cols = tables.get(r.table_name);
      if (!cols) tables.set(r.table_name, (cols = new Map<string, ColumnInfo>()));
      cols.set(r.column_name, { nullable: !r.not_null, hasDefault: r.has_default, maxLength: r.max_length });
    }
    return new SchemaInfo(tables);
  }

  /** A schema from a literal description (unit tests of SQL builders). */
  static of(tables: Record<string, readonly string[]>): SchemaInfo {
    const m = new Map<string, Map<string, ColumnInfo>>();
    for (const [t, cols] of Object.entries(tables)) {
      m.set(t, new Map(cols.map((c) => [c, { nullable: true, hasDefault: false, maxLength: null }])));
    }
    return new SchemaInfo(m);
  }

  /** A schema in which every table and column exists (unit tests of the SQL builders). */
  static everything(): SchemaInfo {
    const s = new SchemaInfo(new Map());
    s.all = true;
    return s;
  }

  private all = false;

  hasTable(table: string): boolean {
    return this.all || this.tables.has(table);
  }

  /** True when the table exists and has every listed column. */
  has(table: string, ...columns: string[]): boolean {
    if (this.all) return true;
    const cols = this.tables.get(table);
    return cols !== undefined && columns.every((c) => cols.has(c));
  }

  column(table: string, column: string): ColumnInfo | undefined {
    if (this.all) return { nullable: true, hasDefault: false, maxLength: 43 };
    return this.tables.get(table)?.get(column);
  }

  /** The listed columns that exist, in the order given (for catalogues of optional columns). */
  present(table: string, columns: readonly string[]): string[] {
    if (this.all) return [...columns];
    const cols = this.tables.get(table);
    return cols ? columns.filter((c) => cols.has(c)) : [];
  }

  /** Every column of the table (used only to warn about credential-looking columns). */
  columns(table: string): string[] {
    return [...(this.tables.get(table)?.keys() ?? [])];
  }

  /** The first of `columns` that is missing from the table, for warnings. */
  missing(table: string, columns: readonly string[]): string | undefined {
    const cols = this.tables.get(table);
    if (!cols) return undefined;
    return columns.find((c) => !cols.has(c));
  }
}
