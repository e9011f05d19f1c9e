// The bind parameters of one statement: every value travels as `$n`, never in the SQL text.

/** Collects the bind parameters of one statement; the same value reuses its placeholder. */
export class Stmt {
  readonly values: unknown[] = [];
  private readonly memo = new Map<unknown, string>();

  /** The placeholder (`$n`) of `value`. */
  v(value: unknown): string {
    const hit = this.memo.get(value);
    if (hit) return hit;
    this.values.push(value);
    const ph = `$${this.values.length}`;
    this.memo.set(value, ph);
    return ph;
  }

  /** A text[] parameter. */
  list(values: readonly string[]): string {
    return `${this.v([...values])}::text[]`;
  }
}
