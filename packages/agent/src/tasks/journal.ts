// The agent's task journal: one file per task under `<dataDir>/tasks/`, written (and synced)
// before the task's handler starts and again with its result. A restarted agent reads it back:
// a task its predecessor was still running is reported as lost (AGENT_LOST, retryable) and never
// executed a second time when the controller sends it again; the highest attempt seen per
// operation survives the restart, so work of a superseded attempt is still refused; so does an
// attempt the agent abandoned (its controller unreachable past the lease).
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ERROR_META, ErrorCode, fenceSchema, taskResultMessage } from '@oec/shared';
import type { Fence, TaskKind } from '@oec/shared';
import type { TaskResultMessage } from './types.js';

const entrySchema = z.object({
  task_id: z.string().uuid(),
  kind: z.string(),
  fence: fenceSchema,
  started_at: z.string(),
  /** The agent process that ran it. */
  pid: z.number().int(),
  result: taskResultMessage.nullable(),
  /** Stopped by the agent itself after losing its controller for longer than the lease. */
  abandoned: z.boolean().default(false),
});
export type JournalEntry = z.infer<typeof entrySchema>;

export interface TaskJournal {
  /** Tasks the previous agent process was running when it died, now recorded as lost. */
  readonly lost: readonly JournalEntry[];
  /** Results of recently finished tasks (oldest first), to answer a task.run sent again. */
  results(): TaskResultMessage[];
  /** Highest attempt seen per operation. */
  attempts(): Map<string, number>;
  /** Per operation, the highest attempt this agent abandoned (never resumed). */
  abandoned(): Map<string, number>;
  /** Operations whose clone.cleanup finished successfully (the journal's evidence that they ended). */
  cleanedUp(): Set<string>;
  started(taskId: string, kind: TaskKind, fence: Fence): void;
  finished(result: TaskResultMessage, opts?: { abandoned?: boolean }): void;
}

const KEEP = 1000;
const KEEP_MS = 7 * 24 * 3600_000;

/** Write `text` to `path` atomically and durably (temp file, fsync, rename). */
function writeDurably(path: string, text: string): void {
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

export function lostResult(entry: Pick<JournalEntry, 'task_id' | 'kind'>): TaskResultMessage {
  return {
    type: 'task.result',
    task_id: entry.task_id,
    ok: false,
    error: {
      code: ErrorCode.AGENT_LOST,
      message: `The agent restarted while ${entry.kind} was running; it was stopped, not run again`,
      details: { reason: 'agent_restarted' },
      retryable: ERROR_META.AGENT_LOST.retryable,
    },
  };
}

/** Open (and recover) the journal under `dir`; `now` stamps the entries. */
export function openJournal(dir: string, now: () => Date = () => new Date()): TaskJournal {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const entries = new Map<string, JournalEntry>();
  const lost: JournalEntry[] = [];
  const pathOf = (taskId: string) => join(dir, `${taskId}.json`);
  const write = (entry: JournalEntry) => writeDurably(pathOf(entry.task_id), JSON.stringify(entry));

  const files = readdirSync(dir)
    .filter((n) => n.endsWith('.json'))
    .map((n) => ({ n, mtime: statSync(join(dir, n)).mtimeMs }))
    .sort((a, b) => a.mtime - b.mtime);
  const cutoff = now().getTime() - KEEP_MS;
  for (const [i, { n, mtime }] of files.entries()) {
    const path = join(dir, n);
    let entry: JournalEntry | null = null;
    try {
      const parsed = entrySchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
      entry = parsed.success ? parsed.data : null;
    } catch {
      entry = null;
    }
    if (!entry) {
      rmSync(path, { force: true });
      continue;
    }
    if (entry.result === null) {
      entry = { ...entry, result: lostResult(entry) };
      write(entry);
      lost.push(entry);
    } else if (mtime < cutoff || files.length - i > KEEP) {
      rmSync(path, { force: true });
      continue;
    }
    entries.set(entry.task_id, entry);
  }
  for (const n of readdirSync(dir).filter((x) => x.endsWith('.tmp'))) rmSync(join(dir, n), { force: true });

  function prune(): void {
    for (const [id] of entries) {
      if (entries.size <= KEEP) break;
      entries.delete(id);
      rmSync(pathOf(id), { force: true });
    }
  }

  const highest = (pick: (e: JournalEntry) => boolean): Map<string, number> => {
    const out = new Map<string, number>();
    for (const e of entries.values()) {
      const op = e.fence.operation_id;
      if (op === null || !pick(e)) continue;
      out.set(op, Math.max(out.get(op) ?? 0, e.fence.attempt));
    }
    return out;
  };

  return {
    lost,
    results: () => [...entries.values()].flatMap((e) => (e.result ? [e.result] : [])),
    attempts: () => highest(() => true),
    abandoned: () => highest((e) => e.abandoned),
    cleanedUp: () => new Set(highest((e) => e.kind === 'clone.cleanup' && e.result?.ok === true).keys()),
    started(taskId, kind, fence) {
      const entry: JournalEntry = {
        task_id: taskId,
        kind,
        fence,
        started_at: now().toISOString(),
        pid: process.pid,
        result: null,
        abandoned: false,
      };
      entries.set(taskId, entry);
      write(entry);
      prune();
    },
    finished(result, opts = {}) {
      const entry = entries.get(result.task_id);
      if (!entry) return;
      const done: JournalEntry = { ...entry, result, abandoned: opts.abandoned ?? false };
      entries.delete(result.task_id);
      entries.set(result.task_id, done);
      write(done);
    },
  };
}

/** A journal that keeps nothing (unit tests of the runner, tools). */
export const NO_JOURNAL: TaskJournal = {
  lost: [],
  results: () => [],
  attempts: () => new Map(),
  abandoned: () => new Map(),
  cleanedUp: () => new Set(),
  started: () => undefined,
  finished: () => undefined,
};
