// Throttle for one task's progress messages: at most one per interval, the latest value wins,
// a value of another key (step) first delivers the pending one of the previous key, and flush()
// delivers whatever is still pending, so the final progress of each step is never lost and
// messages stay in order.

export interface Throttle<T> {
  push(key: string, value: T, immediate?: boolean): void;
  /** Deliver the pending value now and stop the timer. */
  flush(): void;
}

export function createThrottle<T>(intervalMs: number, deliver: (value: T) => void, now: () => number = Date.now): Throttle<T> {
  let last = -Infinity;
  let pending: { key: string; value: T } | undefined;
  let timer: NodeJS.Timeout | undefined;

  const fire = (): void => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (!pending) return;
    const { value } = pending;
    pending = undefined;
    last = now();
    deliver(value);
  };

  return {
    push(key, value, immediate = false) {
      if (pending && pending.key !== key) fire();
      pending = { key, value };
      const wait = last + intervalMs - now();
      if (immediate || wait <= 0) fire();
      else if (!timer) timer = setTimeout(fire, wait);
    },
    flush: fire,
  };
}
