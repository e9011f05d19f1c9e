// The live progress of the attempts this process runs, by operation id (model/live.ts): the
// tracker sets it on every change before its coalesced write, reads lay it over the row. Each
// process knows only its own runs; another replica reads the row, at most one write interval old.
import type { LiveState } from '../model/live.js';

export interface LiveProgress {
  get(operationId: string): LiveState | undefined;
  set(operationId: string, state: LiveState): void;
  /** Forget the attempt's state (a newer attempt's stays). */
  delete(operationId: string, attempt: number): void;
}

export function createLiveProgress(): LiveProgress {
  const states = new Map<string, LiveState>();
  return {
    get: (id) => states.get(id),
    set: (id, state) => void states.set(id, state),
    delete(id, attempt) {
      if (states.get(id)?.attempt === attempt) states.delete(id);
    },
  };
}
