import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fileChildTracker, processStart, reapLeftovers, setChildTracker } from './children.js';
import { collect, spawnProcess } from './run.js';

const dirs: string[] = [];
afterEach(() => {
  setChildTracker(null);
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function childrenDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'oec-children-'));
  dirs.push(dir);
  return dir;
}

async function until(predicate: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('child processes of the agent', () => {
  it('records a child while it runs, in its own process group, and forgets it when it exits', async () => {
    const dir = childrenDir();
    setChildTracker(fileChildTracker(dir));
    const handle = spawnProcess('sh', 'sh', ['-c', 'ps -o pgid= -p $$; read _'], { signal: new AbortController().signal, stdin: 'pipe' });
    const pid = handle.pid ?? 0;
    expect(readdirSync(dir)).toEqual([`${pid}.json`]);
    handle.stdin?.end('\n');
    const { stdout } = await collect(handle);
    expect(Number(stdout.trim())).toBe(pid);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('an abort stops the whole group, grandchildren included', async () => {
    setChildTracker(fileChildTracker(childrenDir()));
    const abort = new AbortController();
    const handle = spawnProcess('sh', 'sh', ['-c', 'sleep 300 & echo $!; wait'], { signal: abort.signal });
    let out = '';
    handle.stdout?.setEncoding('utf8');
    handle.stdout?.on('data', (c: string) => (out += c));
    await until(() => out.includes('\n'), 'the grandchild pid');
    const grandchild = Number(out.trim());
    expect(processStart(grandchild)).not.toBeNull();
    abort.abort();
    await handle.exit;
    await until(() => processStart(grandchild) === null, 'the grandchild gone');
  });

  it('a restarted agent stops what its predecessor left, and only that', async () => {
    const dir = childrenDir();
    setChildTracker(fileChildTracker(dir));
    const left = spawnProcess('sleep', 'sleep', ['300'], { signal: new AbortController().signal });
    const pid = left.pid ?? 0;
    // The predecessor dies here without its children exiting: the record is all that is left.
    setChildTracker(null);
    const reaped = await reapLeftovers(dir);
    expect(reaped).toEqual([expect.objectContaining({ pid, name: 'sleep' })]);
    expect((await left.exit).signal).toBe('SIGKILL');
    expect(readdirSync(dir)).toEqual([]);
    // A record whose pid was recycled (another start time) is not killed.
    const other = spawnProcess('sleep', 'sleep', ['300'], { signal: new AbortController().signal });
    const otherPid = other.pid ?? 0;
    writeFileSync(join(dir, `${otherPid}.json`), JSON.stringify({ pid: otherPid, start: '1', name: 'sleep' }));
    expect(await reapLeftovers(dir)).toEqual([]);
    expect(processStart(otherPid)).not.toBeNull();
    other.kill('SIGKILL');
    await other.exit;
  });
});
