// Types of the sanitizer: what the clone step passes in, what each option module implements, and
// the contexts the runner and the estimator hand to those modules.
import type pg from 'pg';
import type { Proof, RuleResult, SanitizationOptionKey, SanitizationOptions, SanitizationResult, SanitizationRule } from '@oec/shared';
import type { KeyedHash } from './keyed-hash.js';
import type { SanitizeProgress } from './progress.js';
import type { SchemaInfo } from './schema-info.js';
import type { Stmt } from './stmt.js';

export type SanitizeLogLevel = 'INFO' | 'WARNING' | 'ERROR';

export interface SanitizeParams {
  /** The effective 16 keys (clear_asset_bundles always runs, whatever its value). */
  options: SanitizationOptions;
  /** The target's URL, e.g. `https://staging-x.apps.example.com` (update_base_url). */
  baseUrl: string;
  /** Per-project secret keying every pseudonym; the same salt gives the same fakes. */
  salt: string;
  mode: 'create_new' | 'replace';
  /**
   * replace: the identity parameters of the database being replaced, written back as they are
   * (`database.uuid`, `database.secret`, `database.enterprise_code`, `web.base.url`, …).
   */
  identity: Record<string, string> | null;
  /** reset_passwords: the passlib pbkdf2-sha512 hash of the one generated password. */
  passwordHash?: string;
  /** The source's Odoo series ("17.0"): picks the catalogue of the personal data map. */
  odooSeries?: string | null;
  /**
   * The personal data options' columns were masked in stream on their way from the source (the
   * COPY data path), which also searched every row written for the source's values: only Odoo's
   * derived columns remain for SQL, and the target holds no source value to capture or search.
   */
  personalInStream?: boolean;
  /** The project's custom rules (rules/run.ts), applied in order after the options. */
  rules?: readonly SanitizationRule[];
  /**
   * COPY path: the rules already applied to the rows as they were copied (rules/stream.ts) and
   * their counts; not applied again (`hash` would hash its own output), proven all the same.
   * Undefined on the dump path; on the COPY path every other rule runs here after the load.
   */
  rulesInStream?: ReadonlyArray<{ rule_index: number; affected_rows: number }>;
  /** The project's sensitive models (replace_sensitive_attachments). */
  sensitiveModels?: readonly string[];
  /**
   * The filestore of the database sanitized (never the source's): replace_sensitive_attachments
   * writes its placeholder files under `dir` and, when `removeUnreferenced` (the clone copied its
   * own filestore), removes after COMMIT the files only sensitive attachments referenced.
   */
  filestore?: { dir: string; removeUnreferenced: boolean } | null;
  signal?: AbortSignal;
  log?: (level: SanitizeLogLevel, message: string) => void;
  /**
   * Progress by rows (progress.ts): at every table pass, key range and unit, and at least every
   * second while a statement runs.
   */
  progress?: (p: SanitizeProgress) => void;
  /** How big tables' passes are split into key ranges (ranges.ts; DEFAULT_BATCH when absent). */
  batch?: BatchOptions;
}

/** How big tables' passes are split into key ranges (ranges.ts). */
export interface BatchOptions {
  /** Rows per statement of a split pass (about: ranges are of ids, sized by the table's density). */
  rows: number;
  /** Tables over this many rows (pg_class.reltuples) are split (and never one of `rows` or fewer). */
  minTableRows: number;
}

export interface SanitizeOutcome {
  results: SanitizationResult[];
  proof: Proof;
  totals: { affected_rows: number; duration_ms: number; phases_ms: Record<string, number> };
  /** Per custom rule: rows, or skipped with the reason. */
  rule_results: RuleResult[];
  /** The tables the run wrote (inserted, updated or deleted rows), from its transaction's statistics. */
  written_tables: Array<{ schema: string; name: string }>;
}

export interface ImpactEstimate {
  option_key: SanitizationOptionKey;
  rows: number;
  /** True when a planner estimate stood in for an exact count (tables over 1M rows). */
  approximate: boolean;
  summary: string;
}

export interface EstimateOptions {
  /** statement_timeout of each read-only query (default 15 s). */
  statementTimeoutMs?: number;
  /** The project's sensitive models (replace_sensitive_attachments). */
  sensitiveModels?: readonly string[];
  /** The source's Odoo series ("17.0"): picks the catalogue of the personal data map. */
  odooSeries?: string | null;
}

/** Running SQL: every call checks the abort signal first. */
export interface SqlRunner {
  query<R extends pg.QueryResultRow = Record<string, unknown>>(
    sql: string,
    values?: readonly unknown[],
  ): Promise<pg.QueryResult<R>>;
}

/** What SQL builders need to know: the schema and which options run. */
export interface PlanContext {
  readonly schema: SchemaInfo;
  readonly enabled: ReadonlySet<SanitizationOptionKey>;
  /** The project's sensitive models (replace_sensitive_attachments); none when absent. */
  readonly sensitiveModels?: readonly string[];
}

/** Handed to `capture`, `apply` and `proof` of an option, inside the one transaction. */
export interface ApplyContext extends PlanContext, SqlRunner {
  readonly params: SanitizeParams;
  readonly key: KeyedHash;
  /** Run a statement and return its row count. */
  exec(sql: string, values?: readonly unknown[]): Promise<number>;
  /**
   * True when the table (and the columns) exist. When not, records the warning shown in the
   * option's result; an option none of whose `require` calls succeeded is reported skipped.
   */
  require(table: string, ...columns: string[]): boolean;
  warn(message: string): void;
  /** Work to do once the transaction has committed (files that only unproven rows referenced). */
  afterCommit(fn: () => Promise<unknown>): void;
  /**
   * One set-based pass over `table` (aliased `alias` in the statements `run` builds), reported as
   * a table pass: `run('true')` once, or — a big table — once per key range with the range's
   * condition on `alias.id`, the rows done reported after each (ranges.ts). Returns the sum.
   */
  overRanges(table: string, alias: string, run: (range: string) => Promise<number>): Promise<number>;
}

/** Handed to `estimate`: read-only, counts exact or from the planner for big tables. */
export interface EstimateContext extends PlanContext, SqlRunner {
  /** True when the table (and the columns) exist; silent otherwise. */
  require(table: string, ...columns: string[]): boolean;
  /**
   * How many rows `select` (a SELECT over `table`) returns: the planner's estimate for tables over
   * 1M rows, else an exact count — or the planner's estimate when the count hits the timeout.
   */
  count(table: string, select: string, values?: readonly unknown[]): Promise<number>;
  /** Whether `count` uses the planner for this table. */
  isBig(table: string): boolean;
  /** Run exact queries; null when they hit the statement timeout (the transaction stays usable). */
  exactOrNull<T>(fn: () => Promise<T>): Promise<T | null>;
  /** The planner's row estimate for `select` (marks the estimate approximate). */
  plan(select: string, values?: readonly unknown[]): Promise<number>;
}

/**
 * One proof check: the number of rows violating the guarantee. Either a count of one table's rows
 * (`rows`), which the proof counts in one pass with every other such check of that table, or, when
 * it needs joins, several tables or aggregates, a query of its own (`sql`, column `violations`).
 */
export type CheckSpec = CheckBase & ({ rows: TableRows; sql?: never; values?: never } | { sql: string; values?: readonly unknown[]; rows?: never });

interface CheckBase {
  check: string;
  /** Table (and columns) the query reads; when missing the check passes as not applicable. */
  requires: ReadonlyArray<readonly [string, ...string[]]>;
}

/** A check counted in its table's one pass: `SELECT count(*) FILTER (WHERE <where>) … FROM table alias`. */
export interface TableRows {
  table: string;
  /**
   * How `where` names the row. Without one, `where` names its columns unqualified and shares the
   * table's pass whatever alias the pass uses; checks with different aliases get a pass each.
   */
  alias?: string;
  /** Rows of the table itself, not of tables inheriting from it (`FROM ONLY`). */
  only?: boolean;
  /** The violating rows, with its values bound in the pass's statement; every row when absent. */
  where?: (s: Stmt) => string;
  /** The matching rows must exist instead: one violation when there is none. */
  mustExist?: boolean;
}

/** A proof check done outside SQL: what it checks and how many things violate it. */
export interface FileCheck {
  check: string;
  violations: number;
  detail: string | null;
}

export interface Impact {
  rows: number;
  summary: string;
}

/** One sanitization option: capture the facts its proof needs, apply, prove, estimate. */
export interface SanitizeOption {
  readonly key: SanitizationOptionKey;
  /** Tables whose every row `apply` may read (beyond the personal data map's): its progress weight. */
  readonly scans?: readonly string[];
  /** Runs before any option applies (temp tables `pg_temp.oec_*`, dropped at commit). */
  capture?(ctx: ApplyContext): Promise<void>;
  /** Returns the number of rows changed, inserted or deleted. */
  apply(ctx: ApplyContext): Promise<number>;
  proof(ctx: ApplyContext): CheckSpec[];
  /** Checks outside the database (files), run with the proof. */
  proveFiles?(ctx: ApplyContext): Promise<FileCheck[]>;
  estimate(ctx: EstimateContext): Promise<Impact>;
}
