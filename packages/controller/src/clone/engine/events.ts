// Change notifications of clone operations: writers emit an operation id, the progress
// subscription waits for the next change (or a fallback period, which also covers changes made
// by anything that does not emit). With a bus (db/bus.ts) a change also reaches the other
// replicas, at most one message per operation per PUBLISH_INTERVAL_MS (the last change of a
// burst is always sent), so a watcher on any replica wakes when the row changes.
import type { Bus } from '../../db/bus.js';

export const PUBLISH_INTERVAL_MS = 200;

export interface CloneEvents {
  emit(operationId: string): void;
  /** Yields once per change (coalesced) until `signal` aborts. */
  watch(operationId: string, signal: AbortSignal | undefined, fallbackMs: number): AsyncGenerator<void>;
}

export function createCloneEvents(bus?: Bus): CloneEvents {
  const listeners = new Map<string, Set<() => void>>();
  /** Per operation: when the last message went out, and whether a trailing one is due. */
  const outbox = new Map<string, { at: number; timer: NodeJS.Timeout | undefined }>();

  const local = (id: string) => {
    for (const fn of [...(listeners.get(id) ?? [])]) fn();
  };

  function publish(id: string): void {
    if (!bus) return;
    const now = Date.now();
    const entry = outbox.get(id) ?? { at: -Infinity, timer: undefined };
    outbox.set(id, entry);
    if (entry.timer) return;
    const send = () => {
      entry.timer = undefined;
      entry.at = Date.now();
      void bus.publish({ type: 'op', id }).catch(() => undefined);
      // forget quiet operations (the next change starts afresh)
      setTimeout(() => {
        if (!entry.timer && Date.now() - entry.at >= PUBLISH_INTERVAL_MS) outbox.delete(id);
      }, PUBLISH_INTERVAL_MS * 2).unref();
    };
    const wait = entry.at + PUBLISH_INTERVAL_MS - now;
    if (wait <= 0) send();
    else {
      entry.timer = setTimeout(send, wait);
      entry.timer.unref();
    }
  }

  bus?.on('op', (m) => {
    if (typeof m.id === 'string') local(m.id);
  });

  function subscribe(id: string, fn: () => void): () => void {
    let set = listeners.get(id);
    if (!set) listeners.set(id, (set = new Set()));
    set.add(fn);
    return () => {
      set.delete(fn);
      if (set.size === 0) listeners.delete(id);
    };
  }

  return {
    emit(id) {
      local(id);
      publish(id);
    },
    async *watch(id, signal, fallbackMs) {
      // Subscribed for the whole watch, so a change between two waits is not lost.
      let dirty = false;
      let wake: (() => void) | undefined;
      const off = subscribe(id, () => {
        dirty = true;
        wake?.();
      });
      const onAbort = () => wake?.();
      signal?.addEventListener('abort', onAbort);
      try {
        while (!signal?.aborted) {
          if (!dirty) {
            await new Promise<void>((resolve) => {
              const timer = setTimeout(resolve, fallbackMs);
              wake = () => {
                clearTimeout(timer);
                resolve();
              };
            });
            wake = undefined;
          }
          if (signal?.aborted) return;
          dirty = false;
          yield;
        }
      } finally {
        off();
        signal?.removeEventListener('abort', onAbort);
      }
    },
  };
}
