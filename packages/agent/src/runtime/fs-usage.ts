// Disk numbers: free/total of a filesystem (statfs) and the size of a directory tree (lstat walk,
// symlinks not followed, hard links counted once).
import { lstat, readdir, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { forEachLimit } from '@oec/shared';
import type { DiskUsage } from './runtime.js';

export async function filesystemUsage(path: string): Promise<DiskUsage> {
  const s = await statfs(path);
  return { total_bytes: s.blocks * s.bsize, free_bytes: s.bavail * s.bsize, path };
}

export interface TreeSize {
  bytes: number;
  files: number;
}

/** lstat calls at once: a filestore holds up to hundreds of thousands of files (132k: 7–10 s one at a time, 1.2–1.9 s sixteen at once). */
const STATS_AT_ONCE = 16;

/** Size of the regular files under `dir`; a missing dir is empty. */
export async function treeSize(dir: string, signal?: AbortSignal): Promise<TreeSize> {
  const seen = new Set<string>();
  const total: TreeSize = { bytes: 0, files: 0 };
  const stack = [dir];
  while (stack.length > 0) {
    signal?.throwIfAborted();
    const current = stack.pop() as string;
    let entries;
    try {
      entries = await readdir(current, { withFileTypes: true });
    } catch (e) {
      if (isMissing(e)) continue;
      throw e;
    }
    const files: string[] = [];
    for (const entry of entries) {
      const path = join(current, entry.name);
      if (entry.isDirectory()) stack.push(path);
      else if (entry.isFile()) files.push(path);
    }
    await forEachLimit(files, STATS_AT_ONCE, async (path) => {
      let st;
      try {
        st = await lstat(path);
      } catch (e) {
        if (isMissing(e)) return;
        throw e;
      }
      const key = `${st.dev}:${st.ino}`;
      if (st.nlink > 1 && seen.has(key)) return;
      if (st.nlink > 1) seen.add(key);
      total.bytes += st.size;
      total.files += 1;
    });
  }
  return total;
}

export function isMissing(e: unknown): boolean {
  return typeof e === 'object' && e !== null && 'code' in e && e.code === 'ENOENT';
}
