// Change notifications of clone operations, in memory: writers emit an operation id, the
// progress subscription waits for the next change (or a fallback period, which also covers
// changes made by anything that does not emit).
export interface CloneEvents {
  emit(operationId: string): void;
  /** Yields once per change (coalesced) until `signal` aborts. */
  watch(operationId: string, signal: AbortSignal | undefined, fallbackMs: number): AsyncGenerator<void>;
}

export function createCloneEvents(): CloneEvents {
  const listeners = new Map<string, Set<() => void>>();

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
      for (const fn of [...(listeners.get(id) ?? [])]) fn();
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
