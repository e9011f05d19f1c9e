// Background work started by a request and finished after its response (environment
// provisioning, start/stop/destroy). Jobs are tracked so shutdown can wait for them, and their
// failures are logged instead of becoming unhandled rejections.
import type { Logger } from './logger.js';

export interface Jobs {
  /** Run `fn` in the background; errors are logged. */
  spawn(name: string, fn: () => Promise<void>): void;
  /** Resolves when every job spawned so far has settled. */
  drain(): Promise<void>;
}

export function createJobs(logger: Logger): Jobs {
  const running = new Set<Promise<void>>();
  return {
    spawn(name, fn) {
      const p: Promise<void> = Promise.resolve()
        .then(fn)
        .catch((err: unknown) => logger.error({ err, job: name }, 'background job failed'))
        .finally(() => running.delete(p));
      running.add(p);
    },
    async drain() {
      while (running.size > 0) await Promise.allSettled([...running]);
    },
  };
}
