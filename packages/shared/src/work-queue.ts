// One queue of work shared by a few sessions (the agent's capture of the values to mask and its
// rewrite of a copy's tables, each on database sessions): each item goes to the next free
// session; a failure stops the others taking more, and is thrown only once every session has
// ended, so that no statement is still running when the caller closes them. And a few file
// system calls at once (forEachLimit): one after the other, each waits out the disk's latency.

/** Runs `loop` on one session (opened for it, or one the caller holds) and settles after it. */
export type QueueRunner<S> = (loop: (session: S) => Promise<void>) => Promise<void>;

/**
 * Every item of `queue` (taken from its front) through `fn` on the first free session of
 * `runners`. After a failure the other sessions finish the item they are on and take no more;
 * the first failure is thrown once all have ended.
 */
export async function drainQueue<T, S>(queue: T[], runners: ReadonlyArray<QueueRunner<S>>, fn: (session: S, item: T) => Promise<void>): Promise<void> {
  const loop = async (session: S): Promise<void> => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) {
      try {
        await fn(session, item);
      } catch (e) {
        queue.length = 0;
        throw e;
      }
    }
  };
  const settled = await Promise.allSettled(runners.map((run) => run(loop)));
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

/** `fn` on every item, at most `limit` at once; the first failure rejects (the rest still settle). */
export async function forEachLimit<T>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < items.length; i = next++) await fn(items[i] as T, i);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
