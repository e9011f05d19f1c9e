import { link, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { treeSize } from './fs-usage.js';

describe('treeSize', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'oec-tree-'));
    // a filestore's shape: many files per hashed directory, more than are stat'ed at once
    let bytes = 0;
    for (const d of ['ab', 'cd', 'ef/nested']) {
      await mkdir(join(dir, d), { recursive: true });
      for (let i = 0; i < 40; i++) {
        await writeFile(join(dir, d, `f${i}`), 'x'.repeat(i));
        bytes += i;
      }
    }
    expect(bytes).toBe(3 * 780);
    // a hard link counts once, a symbolic link not at all
    await link(join(dir, 'ab', 'f39'), join(dir, 'cd', 'same-inode'));
    await symlink(join(dir, 'ab', 'f30'), join(dir, 'cd', 'pointer'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('sums the regular files of every level, each inode once, links not followed', async () => {
    expect(await treeSize(dir)).toEqual({ bytes: 3 * 780, files: 120 });
  });

  it('is empty for a missing directory', async () => {
    expect(await treeSize(join(dir, 'missing'))).toEqual({ bytes: 0, files: 0 });
  });

  it('stops when its signal is aborted', async () => {
    const c = new AbortController();
    c.abort(new Error('cancelled'));
    await expect(treeSize(dir, c.signal)).rejects.toThrow('cancelled');
  });
});
