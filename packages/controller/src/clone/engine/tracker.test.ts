import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { StepState } from '@oec/shared';
import type { Db } from '../../db/pool.js';
import { silentLogger } from '../../logger.js';
import { initialSteps } from '../model/steps-state.js';
import type { OperationRow } from '../store/operation-row.js';
import type { RunnerDeps } from './deps.js';
import { createCloneEvents } from './events.js';
import { createLiveProgress } from './live.js';
import { createOneTimeSecrets } from './secrets.js';
import { OperationTracker } from './tracker.js';

/** A database that takes every write and remembers the progress writes (saveProgress) in order. */
function fakeDb(): { db: Db; writes: { status: string; steps: StepState[] }[] } {
  const writes: { status: string; steps: StepState[] }[] = [];
  const db: Db = {
    async query(text: string, values?: unknown[]) {
      if (text.includes('SET status = $3, steps = $4')) writes.push({ status: String(values?.[2]), steps: JSON.parse(String(values?.[3])) as StepState[] });
      return { rows: [], rowCount: 1, command: 'UPDATE', oid: 0, fields: [] };
    },
    tx: (fn) => fn(db),
    close: async () => undefined,
  };
  return { db, writes };
}

function tracker() {
  const { db, writes } = fakeDb();
  const clock = { now: () => new Date() };
  const d: RunnerDeps = {
    db,
    hub: {} as RunnerDeps['hub'],
    clock,
    logger: silentLogger(),
    events: createCloneEvents(),
    live: createLiveProgress(),
    secrets: createOneTimeSecrets(clock),
    settings: { replaceRetentionHours: 0 },
    replica: { id: 'replica-a', leaseMs: 15_000 },
  };
  const op = { id: 'op-1', attempt: 1, steps: initialSteps(), progress_percent: 0 } as Partial<OperationRow> as OperationRow;
  return { t: new OperationTracker(d, op), d, writes };
}

const itemsDone = (steps: StepState[] | undefined) => steps?.find((s) => s.key === 'backing_up_database')?.detail.items_done;

describe('operation tracker writes', () => {
  // Fake timers freeze Date too: a burst happens "at once", with no wall clock in the assertions.
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('coalesces a burst of progress into one write of the latest state, published to memory at once', async () => {
    const { t, d, writes } = tracker();
    await t.begin('backing_up_database');
    expect(writes).toHaveLength(1);
    for (let i = 1; i <= 500; i++) t.progress('backing_up_database', i / 1000, { items_done: i });
    // Readers see every step of the burst without a write.
    expect(itemsDone(d.live.get('op-1')?.steps)).toBe(500);
    expect(d.live.get('op-1')?.status).toBe('backing_up_database');
    await vi.runAllTimersAsync();
    await t.flush();
    expect(writes).toHaveLength(2);
    expect(itemsDone(writes.at(-1)?.steps)).toBe(500);
  });

  it('writes at most one progress per interval while progress keeps coming, the last one always', async () => {
    const { t, writes } = tracker();
    await t.begin('backing_up_database');
    for (let i = 1; i <= 100; i++) {
      t.progress('backing_up_database', i / 200, { items_done: i });
      await vi.advanceTimersByTimeAsync(10);
    }
    await t.flush();
    // 100 reports over 1 s of (fake) time: one write per 250 ms, not one per report.
    expect(writes.length).toBeLessThanOrEqual(1 + 5);
    expect(itemsDone(writes.at(-1)?.steps)).toBe(100);
  });

  it('never delays a transition: it is written before it resolves, the pending progress folded in, nothing after it', async () => {
    const { t, writes } = tracker();
    await t.begin('backing_up_database');
    t.progress('backing_up_database', 0.5, { items_done: 7 });
    t.progress('backing_up_database', 0.6, { items_done: 8 });
    await t.complete(['backing_up_database']);
    expect(writes).toHaveLength(2);
    const last = writes.at(-1)?.steps.find((s) => s.key === 'backing_up_database');
    expect(last).toMatchObject({ status: 'completed', detail: { items_done: 8 } });
    await vi.runAllTimersAsync();
    await t.close();
    expect(writes).toHaveLength(2);
  });

  it('forgets its live state when the run ends', async () => {
    const { t, d } = tracker();
    await t.begin('validating');
    expect(d.live.get('op-1')).toBeDefined();
    await t.close();
    expect(d.live.get('op-1')).toBeUndefined();
  });
});
