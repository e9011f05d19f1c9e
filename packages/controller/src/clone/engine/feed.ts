// The clone operations that progress watchers follow, read once per change for all of them: the
// first watcher of an operation starts one reader, which reads the row (with this process's
// live progress laid over it) at once and after each change event (coalesced, or every
// `fallbackMs` for changes that emit none), and hands the latest read to every watcher; the last
// watcher to leave stops it. Watchers never query the database themselves, so 50 dashboards on
// one clone cost what one does. Change events come through CloneEvents alone, which is where
// events from other replicas (LISTEN/NOTIFY) would come in.
import type { Queryable } from '../../db/pool.js';
import { withLive } from '../model/live.js';
import type { OperationRow } from '../store/operation-row.js';
import { loadOperation } from '../store/operations.js';
import type { CloneEvents } from './events.js';
import type { LiveProgress } from './live.js';

export interface OperationFeed {
  /**
   * The operation's row now and after each change (the latest when the watcher asks; reads in
   * between are skipped), until `signal` aborts; null once the row is gone. Authorization is
   * the caller's: the feed serves rows by id.
   */
  watch(operationId: string, signal: AbortSignal): AsyncGenerator<OperationRow | null>;
}

export interface OperationFeedOptions {
  db: Queryable;
  events: CloneEvents;
  live: Pick<LiveProgress, 'get'>;
  fallbackMs: number;
}

interface Reader {
  watchers: number;
  /** How many reads have finished (watchers remember the last one they were given). */
  version: number;
  row: OperationRow | null;
  error: Error | undefined;
  waiting: Set<() => void>;
  stop: AbortController;
}

export function createOperationFeed(o: OperationFeedOptions): OperationFeed {
  const readers = new Map<string, Reader>();

  async function read(id: string, r: Reader): Promise<void> {
    try {
      const row = await loadOperation(o.db, id);
      r.row = row && withLive(row, o.live.get(id));
      r.error = undefined;
    } catch (err) {
      r.error = err instanceof Error ? err : new Error(String(err));
    }
    r.version++;
    for (const wake of [...r.waiting]) wake();
  }

  async function run(id: string, r: Reader): Promise<void> {
    const changes = o.events.watch(id, r.stop.signal, o.fallbackMs);
    // Subscribed before the first read, so a change during it is not lost.
    let next = changes.next();
    await read(id, r);
    while (!(await next).done) {
      await read(id, r);
      next = changes.next();
    }
  }

  function open(id: string): Reader {
    const existing = readers.get(id);
    if (existing) {
      existing.watchers++;
      return existing;
    }
    const r: Reader = { watchers: 1, version: 0, row: null, error: undefined, waiting: new Set(), stop: new AbortController() };
    readers.set(id, r);
    void run(id, r);
    return r;
  }

  function leave(id: string, r: Reader): void {
    if (--r.watchers > 0) return;
    r.stop.abort();
    readers.delete(id);
  }

  function changeAfter(r: Reader, seen: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (r.version !== seen || signal.aborted) return resolve();
      const done = () => {
        r.waiting.delete(done);
        signal.removeEventListener('abort', done);
        resolve();
      };
      r.waiting.add(done);
      signal.addEventListener('abort', done);
    });
  }

  return {
    async *watch(id, signal) {
      const r = open(id);
      let seen = 0;
      try {
        for (;;) {
          await changeAfter(r, seen, signal);
          if (signal.aborted) return;
          seen = r.version;
          if (r.error) throw r.error;
          yield r.row;
        }
      } finally {
        leave(id, r);
      }
    },
  };
}
