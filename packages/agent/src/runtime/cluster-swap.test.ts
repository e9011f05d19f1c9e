// The swap of cluster directories on plain directories: each direction finishes from any state a
// crash can leave, and no move ever lands on an existing cluster.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { moveClusters, sideClusterDir, type SwapDirs } from './cluster-swap.js';

let root = '';
let dirs: SwapDirs;

async function cluster(dir: string, what: string): Promise<void> {
  await mkdir(join(dir, 'data'), { recursive: true });
  await writeFile(join(dir, 'data', 'WHAT'), what);
}

/** Which cluster sits where: `old`, `new` or null. */
async function where(): Promise<Record<keyof SwapDirs, string | null>> {
  const what = async (dir: string) => (existsSync(dir) ? await readFile(join(dir, 'data', 'WHAT'), 'utf8') : null);
  return { target: await what(dirs.target), next: await what(dirs.next), retained: await what(dirs.retained) };
}

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'oec-cluster-swap-'));
  dirs = { target: join(root, 'postgres'), next: join(root, 'postgres.oec_x_n1a2b3c4d'), retained: join(root, 'postgres.oec_x_o1a2b3c4d') };
  await cluster(dirs.target, 'old');
  await cluster(dirs.next, 'new');
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('moveClusters', () => {
  it('swaps the new cluster in and the old one aside, and back', async () => {
    expect(await moveClusters(dirs, 'in')).toEqual([
      [dirs.target, dirs.retained],
      [dirs.next, dirs.target],
    ]);
    expect(await where()).toEqual({ target: 'new', next: null, retained: 'old' });
    // again: nothing left to do
    expect(await moveClusters(dirs, 'in')).toEqual([]);
    expect(await moveClusters(dirs, 'back')).toHaveLength(2);
    expect(await where()).toEqual({ target: 'old', next: 'new', retained: null });
    expect(await moveClusters(dirs, 'back')).toEqual([]);
  });

  it('finishes either direction from the state a crash left between the two moves', async () => {
    await rename(dirs.target, dirs.retained); // killed after the first move of `in`
    expect(await moveClusters(dirs, 'in')).toEqual([[dirs.next, dirs.target]]);
    expect(await where()).toEqual({ target: 'new', next: null, retained: 'old' });

    await rename(dirs.target, dirs.next); // killed after the first move of `back`
    expect(await moveClusters(dirs, 'back')).toEqual([[dirs.retained, dirs.target]]);
    expect(await where()).toEqual({ target: 'old', next: 'new', retained: null });

    await rename(dirs.target, dirs.retained); // killed mid-`in`, then undone
    expect(await moveClusters(dirs, 'back')).toEqual([[dirs.retained, dirs.target]]);
    expect(await where()).toEqual({ target: 'old', next: 'new', retained: null });
  });

  it('refuses to swap in without a new cluster, and never moves onto a cluster', async () => {
    await rm(dirs.next, { recursive: true });
    await expect(moveClusters(dirs, 'in')).rejects.toThrow(/no new cluster/);
    expect(await where()).toEqual({ target: 'old', next: null, retained: null });
    await cluster(dirs.next, 'new');
    await cluster(dirs.retained, 'other');
    await expect(moveClusters(dirs, 'back')).rejects.toThrow(/all exist/);
    expect(await where()).toEqual({ target: 'old', next: 'new', retained: 'other' });
  });

  it('names a side cluster after a database name only', () => {
    expect(sideClusterDir('/d/env', 'oec_abc_n1a2b3c4d')).toBe('/d/env/postgres.oec_abc_n1a2b3c4d');
    expect(sideClusterDir('/d/env', '../etc')).toBeNull();
    expect(sideClusterDir('/d/env', 'A')).toBeNull();
  });
});
