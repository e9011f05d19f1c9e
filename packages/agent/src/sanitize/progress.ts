// The progress of a sanitizing run, by rows. The run is planned as units — the capture, each
// option, the custom rules, the proof — each weighing the rows of the tables it reads
// (pg_class.reltuples, at least MIN_UNIT_ROWS so that an option on small tables still counts).
// The fraction is the rows done of the rows planned, never the options done of the options.
//
// Rows done are measured: a table pass counts its rows when it ends, and the pass over a big table
// (split into key ranges, ranges.ts) counts after each range. Within a unit the measure counts
// one for one up to SOFT_CAP of the unit's rows, then bends towards MEASURED_CAP (a unit that
// reads more than its estimate still moves, slower), never past it: only the unit's end counts
// all of its rows.
//
// A heartbeat re-reports at least every `heartbeatMs`. While one statement runs longer than that
// (a capture, a proof pass, a table below the split threshold), the FRACTION alone moves by
// interpolation: towards the rows that statement covers, at the run's measured rate, approaching
// but never passing INTERPOLATED_CAP of them — so the bar moves, and never reaches the end of a
// statement before it ends. `rows_done` stays the measured figure.

/** What a sanitizing run reports: the step's fraction and rows, and what it works on now. */
export interface SanitizeProgress {
  fraction: number;
  rows_done: number;
  rows_total: number;
  /** The unit: an option key, or `capture`, `custom_rules`, `proof`. */
  option: string;
  table: string | null;
  table_rows_done: number | null;
  table_rows_total: number | null;
}

export interface ProgressUnit {
  key: string;
  rows: number;
}

export interface ProgressMeterOptions {
  /** Re-report at least this often (default 1 s). */
  heartbeatMs?: number;
  /** Milliseconds clock (tests). */
  now?: () => number;
  /** Start the heartbeat timer (default true; tests drive `snapshot` themselves). */
  timer?: boolean;
}

/** A unit of fewer rows still weighs this much (its statements cost something). */
export const MIN_UNIT_ROWS = 1_000;
/** The rows per second interpolation assumes until the run has measured some. */
export const DEFAULT_ROWS_PER_SECOND = 50_000;
/** Measured rows of a unit count one for one up to this share of its rows … */
export const SOFT_CAP = 0.8;
/** … then approach this share, never reached until the unit ends. */
export const MEASURED_CAP = 0.99;

/** A unit's measured rows as counted: `m` up to SOFT_CAP·rows, then bending towards MEASURED_CAP·rows (pure). */
export function unitMeasure(m: number, rows: number): number {
  const soft = SOFT_CAP * rows;
  if (m <= soft) return m;
  const room = (MEASURED_CAP - SOFT_CAP) * rows;
  return soft + room * (1 - Math.exp(-(m - soft) / Math.max(1, room)));
}
/** Interpolated rows of a statement approach this share of the rows it covers, never more. */
export const INTERPOLATED_CAP = 0.9;

interface UnitState {
  key: string;
  rows: number;
  /** Rows of the unit's finished table passes. */
  done: number;
}

interface TableState {
  name: string;
  rows: number;
  done: number;
}

export class ProgressMeter {
  private units: ProgressUnit[] = [];
  private total = 0;
  /** Rows of the finished units. */
  private finished = 0;
  private unit: UnitState | null = null;
  private tablePass: TableState | null = null;
  /** When the last measure was taken (interpolation starts from it). */
  private measuredAt: number;
  private readonly startedAt: number;
  private last = 0;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly report: (p: SanitizeProgress) => void,
    opts: ProgressMeterOptions = {},
  ) {
    this.now = opts.now ?? (() => performance.now());
    this.startedAt = this.measuredAt = this.now();
    if (opts.timer !== false) {
      this.timer = setInterval(() => this.emit(), opts.heartbeatMs ?? 1_000);
      this.timer.unref();
    }
  }

  /** The units of the run, in order, with the rows each reads. */
  plan(units: readonly ProgressUnit[]): void {
    this.units = units.map((u) => ({ key: u.key, rows: Math.max(MIN_UNIT_ROWS, Math.round(u.rows)) }));
    this.total = this.units.reduce((n, u) => n + u.rows, 0);
  }

  get rowsTotal(): number {
    return this.total;
  }

  /** Enter a unit (the one before it ends). A unit not planned weighs nothing. */
  begin(key: string): void {
    if (this.unit) this.end();
    const rows = this.units.find((u) => u.key === key)?.rows ?? 0;
    this.unit = { key, rows, done: 0 };
    this.tablePass = null;
    this.measure();
  }

  /** A pass over `table` starts; `rows` is its estimate. */
  table(name: string, rows: number): void {
    if (this.tablePass) this.tableDone();
    this.tablePass = { name, rows: Math.max(0, Math.round(rows)), done: 0 };
    this.measure();
  }

  /** The current table pass has done `rows` of its rows (a key range ended). */
  advance(rows: number): void {
    if (!this.tablePass) return;
    this.tablePass.done = Math.min(this.tablePass.rows, Math.max(this.tablePass.done, Math.round(rows)));
    this.measure();
  }

  /** The current table pass ended: all its rows are done. */
  tableDone(): void {
    const t = this.tablePass;
    if (!t) return;
    if (this.unit) this.unit.done += t.rows;
    this.tablePass = null;
    this.measure();
  }

  /** The current unit ended: all its rows are done. */
  end(): void {
    if (!this.unit) return;
    this.finished += this.unit.rows;
    this.unit = null;
    this.tablePass = null;
    this.measure();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Rows done by measure: the finished units, and the current one's passes up to MEASURED_CAP. */
  private measured(): number {
    const u = this.unit;
    if (!u) return this.finished;
    return this.finished + unitMeasure(u.done + (this.tablePass?.done ?? 0), u.rows);
  }

  /**
   * Interpolated rows of the statement running since the last measure: the rows it covers (the
   * table pass's rows left, or the unit's) times INTERPOLATED_CAP × (1 − e^(−t/expected)), where
   * `expected` is how long those rows take at the run's measured rate. An estimate, not a measure.
   */
  private interpolated(at: number): number {
    const u = this.unit;
    if (!u) return 0;
    const measuredInUnit = unitMeasure(u.done + (this.tablePass?.done ?? 0), u.rows);
    const unitLeft = Math.max(0, u.rows * INTERPOLATED_CAP - measuredInUnit);
    const covers = this.tablePass ? Math.min(unitLeft, this.tablePass.rows - this.tablePass.done) : unitLeft;
    if (covers <= 0) return 0;
    const elapsed = (at - this.startedAt) / 1000;
    const done = this.measured();
    const rate = done > 0 && elapsed >= 1 ? done / elapsed : DEFAULT_ROWS_PER_SECOND;
    const expected = Math.max(0.001, covers / Math.max(1, rate));
    const t = Math.max(0, (at - this.measuredAt) / 1000);
    return covers * INTERPOLATED_CAP * (1 - Math.exp(-t / expected));
  }

  /** The state as reported now; the fraction never goes down. */
  snapshot(at = this.now()): SanitizeProgress {
    const done = this.measured();
    const raw = this.total > 0 ? (done + this.interpolated(at)) / this.total : 0;
    // only the last unit's end reaches 1
    const fraction = Math.max(this.last, Math.min(raw, this.unit || this.finished < this.total ? 0.999 : 1));
    this.last = fraction;
    const t = this.tablePass;
    return {
      fraction,
      rows_done: Math.round(done),
      rows_total: this.total,
      option: this.unit?.key ?? this.units.at(-1)?.key ?? 'sanitizing',
      table: t?.name ?? null,
      table_rows_done: t ? t.done : null,
      table_rows_total: t ? t.rows : null,
    };
  }

  private measure(): void {
    this.measuredAt = this.now();
    this.emit();
  }

  private emit(): void {
    this.report(this.snapshot());
  }
}
