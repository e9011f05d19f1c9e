// A query's rows in batches (a cursor in the caller's transaction), so that reading the source's
// values holds one batch of rows at a time, not a table's (decision 0019): the capture keeps what
// it needs of each row (a hash, a name) and drops the row.
import type pg from 'pg';

/** Rows a batch holds when the caller names no budget. */
export const DEFAULT_BATCH_ROWS = 10_000;

let cursors = 0;

/**
 * Run `sql` (with `values`) as a cursor in the caller's transaction and hand its rows to `each`,
 * `rows` at a time; the cursor is closed after, also on failure.
 */
export async function forEachBatch<R extends pg.QueryResultRow>(
  client: pg.ClientBase,
  sql: string,
  values: unknown[],
  rows: number,
  each: (batch: readonly R[]) => void,
): Promise<void> {
  const name = `oec_pd_cursor_${++cursors}`;
  await client.query(`DECLARE ${name} NO SCROLL CURSOR FOR ${sql}`, values);
  try {
    for (;;) {
      const { rows: batch } = await client.query<R>(`FETCH FORWARD ${Math.max(1, Math.floor(rows))} FROM ${name}`);
      if (batch.length === 0) return;
      each(batch);
    }
  } finally {
    await client.query(`CLOSE ${name}`).catch(() => undefined);
  }
}
