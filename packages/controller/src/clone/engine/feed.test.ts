import { setMaxListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { CloneStatus } from '@oec/shared';
import type { Queryable } from '../../db/pool.js';
import type { LiveState } from '../model/live.js';
import { initialSteps } from '../model/steps-state.js';
import type { OperationRow } from '../store/operation-row.js';
import { createCloneEvents } from './events.js';
import { createOperationFeed } from './feed.js';

function row(status: CloneStatus, progress_percent: number): OperationRow {
  return { id: 'op', attempt: 1, status, steps: initialSteps(), progress_percent, cancel_requested_at: null } as Partial<OperationRow> as OperationRow;
}

/** A database holding one operation row; counts the reads. */
function fakeDb(initial: OperationRow) {
  const state = { current: initial, reads: 0 };
  const db: Queryable = {
    async query() {
      state.reads++;
      await new Promise((r) => setImmediate(r));
      return { rows: [state.current], rowCount: 1, command: 'SELECT', oid: 0, fields: [] } as never;
    },
  };
  return { db, state };
}

describe('operation feed', () => {
  it('serves 50 watchers with one read per change, every watcher ending on the final state', async () => {
    const { db, state } = fakeDb(row('backing_up_database', 20));
    const events = createCloneEvents();
    const feed = createOperationFeed({ db, events, live: { get: () => undefined }, fallbackMs: 60_000 });
    const ac = new AbortController();
    setMaxListeners(0, ac.signal);
    const first: Promise<void>[] = [];
    const watchers = Array.from({ length: 50 }, () => {
      let gotFirst: () => void = () => undefined;
      first.push(new Promise((r) => (gotFirst = r)));
      return (async () => {
        const seen: number[] = [];
        for await (const r of feed.watch('op', ac.signal)) {
          seen.push(r?.progress_percent ?? -1);
          gotFirst();
          if (r?.status === 'completed') break;
        }
        return seen;
      })();
    });
    await Promise.all(first);
    expect(state.reads).toBe(1);
    for (let p = 21; p <= 60; p++) {
      state.current = row('backing_up_database', p);
      events.emit('op');
    }
    state.current = row('completed', 100);
    events.emit('op');
    const seen = await Promise.all(watchers);
    for (const s of seen) {
      expect(s.at(-1)).toBe(100);
      expect(s).toEqual([...s].sort((a, b) => a - b));
    }
    // 41 changes in a burst, 50 watchers: the first read and one for the burst, not 50 × 41.
    expect(state.reads).toBeLessThanOrEqual(3);
    ac.abort();
  });

  it('lays the running attempt\'s live progress over the row, and stops reading when the last watcher leaves', async () => {
    const { db, state } = fakeDb(row('backing_up_database', 20));
    const events = createCloneEvents();
    const live: LiveState = { attempt: 1, status: 'restoring_database', steps: initialSteps(), progress_percent: 45 };
    const feed = createOperationFeed({ db, events, live: { get: () => live }, fallbackMs: 60_000 });
    const ac = new AbortController();
    const it = feed.watch('op', ac.signal);
    expect((await it.next()).value).toMatchObject({ status: 'restoring_database', progress_percent: 45 });
    await it.return(undefined);
    const reads = state.reads;
    events.emit('op');
    await new Promise((r) => setImmediate(r));
    expect(state.reads).toBe(reads);
  });
});
