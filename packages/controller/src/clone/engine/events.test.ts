import { describe, expect, it } from 'vitest';
import { createCloneEvents } from './events.js';
import { createOneTimeSecrets } from './secrets.js';

describe('clone events', () => {
  it('wakes a watcher on a change (coalesced) and ends on abort', async () => {
    const events = createCloneEvents();
    const ac = new AbortController();
    const it = events.watch('op', ac.signal, 60_000);
    const first = it.next();
    events.emit('op');
    events.emit('op');
    expect((await first).done).toBe(false);
    const second = it.next();
    ac.abort();
    expect((await second).done).toBe(true);
  });

  it('keeps a change that happens between two waits', async () => {
    const events = createCloneEvents();
    const it = events.watch('op', undefined, 60_000);
    const first = it.next();
    events.emit('op');
    await first;
    events.emit('op');
    expect((await it.next()).done).toBe(false);
    await it.return(undefined);
  });
});

describe('one-time secrets', () => {
  it('gives the secret once, to its owner only', async () => {
    const secrets = createOneTimeSecrets({ now: () => new Date() });
    await secrets.put('op', 'alice', 'pw');
    expect(await secrets.take('op', 'bob')).toBeNull();
    expect(await secrets.take('op', 'alice')).toBe('pw');
    expect(await secrets.take('op', 'alice')).toBeNull();
  });
});
