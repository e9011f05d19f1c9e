import { describe, expect, it } from 'vitest';
import { drainQueue, forEachLimit, type QueueRunner } from './work-queue.js';

const held = (name: string): QueueRunner<string> => (loop) => loop(name);

describe('drainQueue', () => {
  it('gives every item to the next free session, each once', async () => {
    const seen: Array<[string, number]> = [];
    // the first item holds `a` until `b` has taken all the others
    let release = (): void => undefined;
    const held1 = new Promise<void>((r) => (release = r));
    await drainQueue([1, 2, 3, 4, 5], [held('a'), held('b')], async (s, n) => {
      if (n === 1) await held1;
      else await Promise.resolve();
      seen.push([s, n]);
      if (n === 5) release();
    });
    expect(seen).toEqual([
      ['b', 2],
      ['b', 3],
      ['b', 4],
      ['b', 5],
      ['a', 1],
    ]);
  });

  it('after a failure takes no more items, lets the running one finish, and throws the failure last', async () => {
    const started: number[] = [];
    let finished = false;
    const queue = [1, 2, 3, 4, 5, 6];
    const run = drainQueue(queue, [held('a'), held('b')], async (_s, n) => {
      started.push(n);
      if (n === 1) {
        await new Promise((r) => setTimeout(r, 50));
        finished = true;
      }
      if (n === 2) throw new Error('item 2 failed');
    });
    await expect(run).rejects.toThrow('item 2 failed');
    expect(finished).toBe(true);
    expect(started).toEqual([1, 2]);
    expect(queue).toEqual([]);
  });
});

describe('forEachLimit', () => {
  it('runs every item once with its index, never more than the limit at once, and fills the limit', async () => {
    const items = Array.from({ length: 40 }, (_, i) => `f${i}`);
    const seen: string[] = [];
    let running = 0;
    let most = 0;
    await forEachLimit(items, 6, async (item, i) => {
      running++;
      most = Math.max(most, running);
      expect(items[i]).toBe(item);
      await new Promise((r) => setTimeout(r, 1));
      seen.push(item);
      running--;
    });
    expect([...seen].sort()).toEqual([...items].sort());
    expect(most).toBe(6);
  });

  it('rejects with the first failure', async () => {
    await expect(
      forEachLimit([1, 2, 3, 4], 2, async (n) => {
        await Promise.resolve();
        if (n === 3) throw new Error('three');
      }),
    ).rejects.toThrow('three');
  });

  it('does nothing for no items', async () => {
    let called = false;
    await forEachLimit([], 4, async () => void (called = true));
    expect(called).toBe(false);
  });
});
