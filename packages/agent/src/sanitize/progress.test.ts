import { describe, expect, it } from 'vitest';
import { INTERPOLATED_CAP, MIN_UNIT_ROWS, ProgressMeter, type SanitizeProgress } from './progress.js';
import { keyRanges, rangeSql } from './ranges.js';

function meter(): { m: ProgressMeter; seen: SanitizeProgress[]; clock: { t: number } } {
  const clock = { t: 0 };
  const seen: SanitizeProgress[] = [];
  const m = new ProgressMeter((p) => seen.push(p), { now: () => clock.t, timer: false });
  return { m, seen, clock };
}

describe('sanitizing progress by rows', () => {
  it('weighs the units by their rows, not by their count', () => {
    const { m, seen } = meter();
    // a small option on 1,000 rows, a big one on 460,000, the proof on 461,000
    m.plan([
      { key: 'capture', rows: 0 },
      { key: 'disable_crons', rows: 10 },
      { key: 'anonymize_emails', rows: 460_000 },
      { key: 'proof', rows: 461_000 },
    ]);
    expect(m.rowsTotal).toBe(MIN_UNIT_ROWS * 2 + 460_000 + 461_000);
    m.begin('capture');
    m.begin('disable_crons');
    m.begin('anonymize_emails');
    // two options of four done: 2,000 rows of 923,000, not 50 %
    expect(seen.at(-1)?.fraction).toBeCloseTo(2_000 / 923_000, 6);
    expect(seen.at(-1)?.option).toBe('anonymize_emails');
    m.table('mail_message', 460_000);
    m.advance(120_000);
    const p = seen.at(-1);
    expect(p).toMatchObject({ option: 'anonymize_emails', table: 'mail_message', table_rows_done: 120_000, table_rows_total: 460_000, rows_done: 122_000 });
    expect(p?.fraction).toBeCloseTo(122_000 / 923_000, 6);
    m.tableDone();
    m.begin('proof');
    expect(seen.at(-1)).toMatchObject({ option: 'proof', rows_done: 462_000, table: null });
    m.end();
    expect(seen.at(-1)?.fraction).toBe(1);
    expect(seen.at(-1)?.rows_done).toBe(923_000);
  });

  it('stops the measure of a unit short of its end until the unit ends, moving on when it reads more than estimated', () => {
    const { m, seen } = meter();
    m.plan([{ key: 'anonymize_emails', rows: 100_000 }]);
    m.begin('anonymize_emails');
    m.table('mail_message', 60_000);
    m.tableDone();
    expect(seen.at(-1)?.fraction).toBeCloseTo(0.6, 6);
    // a second pass over it: the statistics said 100,000 rows for the option, it reads 120,000
    m.table('mail_message', 60_000);
    m.advance(30_000);
    const mid = seen.at(-1)?.fraction ?? 0;
    expect(mid).toBeGreaterThan(0.8);
    m.tableDone();
    expect(seen.at(-1)?.fraction).toBeGreaterThan(mid + 0.01);
    expect(seen.at(-1)?.fraction).toBeLessThan(0.99);
    m.end();
    expect(seen.at(-1)?.fraction).toBe(1);
  });

  it('moves during one long statement by interpolation, never to its end, never backwards', () => {
    const { m, clock } = meter();
    m.plan([
      { key: 'capture', rows: 500_000 },
      { key: 'proof', rows: 500_000 },
    ]);
    m.begin('capture');
    m.table('mail_message', 500_000);
    const seen: number[] = [];
    // one statement of 10 minutes, looked at every 2 s
    for (let s = 2; s <= 600; s += 2) {
      clock.t = s * 1000;
      seen.push(m.snapshot().fraction);
    }
    for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThanOrEqual(seen[i - 1] ?? 0);
    // it moves within the first seconds (at the assumed 50,000 rows/s) …
    expect(seen[0]).toBeGreaterThan(0.01);
    // … and stays below the share of the statement's rows it may reach
    expect(seen.at(-1)).toBeLessThanOrEqual((500_000 * INTERPOLATED_CAP) / 1_000_000 + 1e-9);
    // rows_done is measured only: nothing finished yet
    expect(m.snapshot().rows_done).toBe(0);
    // the statement ends: the measure takes over, and the fraction does not go back
    const before = m.snapshot().fraction;
    m.tableDone();
    expect(m.snapshot().fraction).toBeGreaterThanOrEqual(before);
    expect(m.snapshot().rows_done).toBeGreaterThan(500_000 * 0.9);
    expect(m.snapshot().rows_done).toBeLessThan(500_000 * 0.99);
  });

  it('heartbeats on its own timer', async () => {
    const seen: SanitizeProgress[] = [];
    const m = new ProgressMeter((p) => seen.push(p), { heartbeatMs: 20 });
    m.plan([{ key: 'proof', rows: 10_000 }]);
    m.begin('proof');
    const n = seen.length;
    await new Promise((r) => setTimeout(r, 120));
    m.stop();
    expect(seen.length).toBeGreaterThan(n + 2);
  });
});

describe('key ranges of a big table', () => {
  it('cover min..max once, contiguous, in about `batch` rows each', () => {
    const r = keyRanges(1, 460_000, 460_000, 50_000);
    expect(r).toHaveLength(10);
    expect(r[0]?.lo).toBe(1);
    expect(r.at(-1)?.hi).toBe(460_001);
    for (let i = 1; i < r.length; i++) expect(r[i]?.lo).toBe(r[i - 1]?.hi);
    expect(r.at(-1)?.rowsThrough).toBe(460_000);
    expect(r[0]?.rowsThrough).toBe(50_000);
  });

  it('sizes ranges by the density of the ids', () => {
    // 100,000 rows spread over ids 1..1,000,000: ranges 100,000 ids wide hold about 10,000 rows
    const r = keyRanges(1, 1_000_000, 100_000, 10_000);
    expect(r).toHaveLength(10);
    expect(r[0]?.hi).toBe(100_001);
  });

  it('has none for an empty table and writes only integers into SQL', () => {
    expect(keyRanges(Number.NaN, Number.NaN, 0, 100)).toEqual([]);
    expect(keyRanges(5, 5, 1, 100)).toEqual([{ lo: 5, hi: 6, rowsThrough: 1 }]);
    expect(rangeSql('t', { lo: 1, hi: 9 })).toBe('"t".id >= 1 AND "t".id < 9');
    expect(() => rangeSql('t', { lo: 1.5, hi: 9 })).toThrow();
  });
});
