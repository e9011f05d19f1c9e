// The contexts handed to option modules: one per option while sanitizing (it collects the
// "table not present" warnings and whether anything was there to work on), one per option while
// estimating (exact counts, or the planner's estimate for tables over a million rows).
import type pg from 'pg';
import { AppError, ErrorCode, type SanitizationOptionKey } from '@oec/shared';
import type { KeyedHash } from './keyed-hash.js';
import type { ProgressMeter } from './progress.js';
import { DEFAULT_BATCH, rangeSql, tableRanges } from './ranges.js';
import type { SchemaInfo } from './schema-info.js';
import type { ApplyContext, BatchOptions, EstimateContext, SanitizeParams } from './types.js';

/** Over this many rows (pg_class.reltuples) the estimator asks the planner instead of counting. */
export const BIG_TABLE_ROWS = 1_000_000;
/** SQLSTATE of a statement cancelled by statement_timeout. */
export const QUERY_CANCELED = '57014';

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new AppError(ErrorCode.CANCELLED, 'sanitization cancelled');
}

function describeMissing(schema: SchemaInfo, table: string, columns: readonly string[]): string {
  if (!schema.hasTable(table)) return `table ${table} not present (module not installed)`;
  return `column ${table}.${schema.missing(table, columns) ?? '?'} not present`;
}

/** How a run reports its table passes: the meter, the tables' rows and the split of big ones. */
export interface TablePasses {
  meter: ProgressMeter | null;
  rows: ReadonlyMap<string, number>;
  batch: BatchOptions;
}

export const NO_PASSES: TablePasses = { meter: null, rows: new Map(), batch: DEFAULT_BATCH };

export class OptionRunContext implements ApplyContext {
  private readonly warnings: string[] = [];
  private found = false;

  constructor(
    private readonly client: pg.ClientBase,
    readonly schema: SchemaInfo,
    readonly enabled: ReadonlySet<SanitizationOptionKey>,
    readonly params: SanitizeParams,
    readonly key: KeyedHash,
    private readonly deferred: Array<() => Promise<unknown>>,
    private readonly passes: TablePasses = NO_PASSES,
  ) {}

  async overRanges(table: string, alias: string, run: (range: string) => Promise<number>): Promise<number> {
    const { meter, batch } = this.passes;
    const rows = this.passes.rows.get(table) ?? 0;
    meter?.table(table, rows);
    const ranges = await tableRanges(this, table, rows, batch);
    let n = 0;
    if (!ranges) n = await run('true');
    else {
      for (const r of ranges) {
        n += await run(rangeSql(alias, r));
        meter?.advance(r.rowsThrough);
      }
    }
    meter?.tableDone();
    return n;
  }

  get sensitiveModels(): readonly string[] {
    return this.params.sensitiveModels ?? [];
  }

  afterCommit(fn: () => Promise<unknown>): void {
    this.deferred.push(fn);
  }

  async query<R extends pg.QueryResultRow = Record<string, unknown>>(
    sql: string,
    values: readonly unknown[] = [],
  ): Promise<pg.QueryResult<R>> {
    throwIfAborted(this.params.signal);
    return this.client.query<R>(sql, [...values]);
  }

  async exec(sql: string, values: readonly unknown[] = []): Promise<number> {
    return (await this.query(sql, values)).rowCount ?? 0;
  }

  require(table: string, ...columns: string[]): boolean {
    if (this.schema.has(table, ...columns)) {
      this.found = true;
      return true;
    }
    this.warn(describeMissing(this.schema, table, columns));
    return false;
  }

  warn(message: string): void {
    if (!this.warnings.includes(message)) this.warnings.push(message);
  }

  /** Nothing this option works on exists: report it skipped. */
  get skipped(): boolean {
    return !this.found;
  }

  get warning(): string | null {
    return this.warnings.length > 0 ? this.warnings.join('; ') : null;
  }
}

export class OptionEstimateContext implements EstimateContext {
  approximate = false;

  constructor(
    private readonly client: pg.ClientBase,
    readonly schema: SchemaInfo,
    readonly enabled: ReadonlySet<SanitizationOptionKey>,
    private readonly reltuples: ReadonlyMap<string, number>,
    readonly sensitiveModels: readonly string[] = [],
  ) {}

  async query<R extends pg.QueryResultRow = Record<string, unknown>>(
    sql: string,
    values: readonly unknown[] = [],
  ): Promise<pg.QueryResult<R>> {
    return this.client.query<R>(sql, [...values]);
  }

  require(table: string, ...columns: string[]): boolean {
    return this.schema.has(table, ...columns);
  }

  isBig(table: string): boolean {
    return (this.reltuples.get(table) ?? -1) > BIG_TABLE_ROWS;
  }

  async plan(select: string, values: readonly unknown[] = []): Promise<number> {
    const { rows } = await this.query<{ 'QUERY PLAN': Array<{ Plan: { 'Plan Rows': number } }> }>(
      `EXPLAIN (FORMAT JSON) ${select}`,
      values,
    );
    this.approximate = true;
    return Math.round(rows[0]?.['QUERY PLAN'][0]?.Plan['Plan Rows'] ?? 0);
  }

  async exactOrNull<T>(fn: () => Promise<T>): Promise<T | null> {
    await this.query('SAVEPOINT oec_exact');
    try {
      const out = await fn();
      await this.query('RELEASE SAVEPOINT oec_exact');
      return out;
    } catch (e) {
      if (!(e instanceof Error && 'code' in e && e.code === QUERY_CANCELED)) throw e;
      await this.query('ROLLBACK TO SAVEPOINT oec_exact');
      await this.query('RELEASE SAVEPOINT oec_exact');
      return null;
    }
  }

  async count(table: string, select: string, values: readonly unknown[] = []): Promise<number> {
    if (this.isBig(table)) return this.plan(select, values);
    const exact = await this.exactOrNull(async () => {
      const { rows } = await this.query<{ n: number }>(`SELECT count(*)::int AS n FROM (${select}) oec_q`, values);
      return rows[0]?.n ?? 0;
    });
    return exact ?? this.plan(select, values);
  }
}
