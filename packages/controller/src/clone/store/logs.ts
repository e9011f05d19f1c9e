// The operation log the user follows: controller lines ("Starting clone operation", …) and the
// agent's task logs, in one table with a bigserial cursor.
import type { LogEntry, LogLevel, StepKey } from '@oec/shared';
import type { Queryable } from '../../db/pool.js';

export interface NewLogLine {
  ts: Date;
  level: LogLevel;
  step: StepKey | null;
  message: string;
}

/** Longest message kept (agent lines are bounded at 8000 by the wire schema). */
const MAX_MESSAGE = 8000;

export async function appendLog(q: Queryable, operationId: string, line: NewLogLine): Promise<void> {
  await q.query('INSERT INTO clone_logs (operation_id, ts, level, step, message) VALUES ($1, $2, $3, $4, $5)', [
    operationId,
    line.ts,
    line.level,
    line.step,
    line.message.slice(0, MAX_MESSAGE),
  ]);
}

/** Lines after the cursor (a log id), oldest first; next_cursor is the last id returned. */
export async function readLogs(
  q: Queryable,
  operationId: string,
  after: number,
  limit: number,
): Promise<{ items: LogEntry[]; next_cursor: number }> {
  const { rows } = await q.query<{ id: string; ts: Date; level: LogLevel; step: StepKey | null; message: string }>(
    `SELECT id, ts, level, step, message FROM clone_logs WHERE operation_id = $1 AND id > $2 ORDER BY id LIMIT $3`,
    [operationId, after, limit],
  );
  const items = rows.map((r) => ({ id: Number(r.id), ts: r.ts.toISOString(), level: r.level, step: r.step, message: r.message }));
  return { items, next_cursor: items.at(-1)?.id ?? after };
}
