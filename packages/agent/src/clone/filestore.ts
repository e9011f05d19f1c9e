// Odoo filestore copying on one server. Files are content-addressed (`<sha[:2]>/<sha>`) and never
// rewritten, so a clone links them instead of copying: a hard link (or a reflink copy where links
// cannot cross filesystems) costs no space and no time per byte. Linked files are made read-only
// once, at link time, and never chowned or chmodded afterwards: the inode is shared with the source.
// Only the hashed sub-directories are taken: Odoo's GC `checklist/` belongs to the source database.
import { constants } from 'node:fs';
import { chmod, copyFile, link, lstat, mkdir, opendir, stat } from 'node:fs/promises';
import { join } from 'node:path';

export interface FilestoreEntry {
  /** Path relative to the filestore root, e.g. `ab/abcdef…` (Odoo's store_fname). */
  rel: string;
  size: number;
}

export interface FilestoreListing {
  entries: FilestoreEntry[];
  bytes: number;
}

const HASH_DIR = /^[0-9a-f]{2,3}$/;

/** Every content file under a filestore root (`<xx>/<sha>`); a missing root is an empty listing. */
export async function listFilestore(root: string, signal?: AbortSignal): Promise<FilestoreListing> {
  const entries: FilestoreEntry[] = [];
  let bytes = 0;
  let top;
  try {
    top = await opendir(root);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { entries, bytes };
    throw e;
  }
  for await (const dirent of top) {
    if (!dirent.isDirectory() || !HASH_DIR.test(dirent.name)) continue;
    signal?.throwIfAborted();
    for await (const file of await opendir(join(root, dirent.name))) {
      if (!file.isFile()) continue;
      const rel = `${dirent.name}/${file.name}`;
      const { size } = await lstat(join(root, rel));
      entries.push({ rel, size });
      bytes += size;
    }
  }
  entries.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
  return { entries, bytes };
}

export interface LinkProgress {
  filesDone: number;
  filesTotal: number;
  bytesDone: number;
  bytesTotal: number;
}

export interface LinkResult extends LinkProgress {
  linked: number;
  copied: number;
  alreadyPresent: number;
}

export interface LinkOptions {
  signal?: AbortSignal;
  onProgress?: (p: LinkProgress) => void;
  /** Number of files handled at once (I/O bound). */
  concurrency?: number;
}

/**
 * Make every file of `listing` (relative to `srcRoot`) present under `dstRoot`: hard link, or a
 * copy-on-write copy (falling back to a plain copy) when the link crosses filesystems. A file
 * already present with the same size is kept (files never change, so a re-run resumes).
 */
export async function linkFilestore(
  srcRoot: string,
  dstRoot: string,
  listing: FilestoreListing,
  opts: LinkOptions = {},
): Promise<LinkResult> {
  const result: LinkResult = {
    linked: 0,
    copied: 0,
    alreadyPresent: 0,
    filesDone: 0,
    filesTotal: listing.entries.length,
    bytesDone: 0,
    bytesTotal: listing.bytes,
  };
  await mkdir(dstRoot, { recursive: true });
  const made = new Set<string>();
  let next = 0;
  const worker = async () => {
    for (;;) {
      const entry = listing.entries[next++];
      if (!entry) return;
      opts.signal?.throwIfAborted();
      const dir = entry.rel.slice(0, entry.rel.indexOf('/'));
      if (!made.has(dir)) {
        await mkdir(join(dstRoot, dir), { recursive: true });
        made.add(dir);
      }
      const outcome = await placeFile(join(srcRoot, entry.rel), join(dstRoot, entry.rel), entry.size);
      result[outcome]++;
      result.filesDone++;
      result.bytesDone += entry.size;
      opts.onProgress?.(result);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, opts.concurrency ?? 8) }, worker));
  return result;
}

/** Hard link (or copy-on-write copy) `src` to `dst`, made read-only; a same-size `dst` is kept. */
export async function placeFile(src: string, dst: string, size: number): Promise<'linked' | 'copied' | 'alreadyPresent'> {
  try {
    await link(src, dst);
    await makeReadOnly(dst);
    return 'linked';
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') {
      const existing = await stat(dst);
      if (existing.size === size) return 'alreadyPresent';
      throw new Error(`filestore file ${dst} exists with a different size (${existing.size} ≠ ${size})`);
    }
    if (code !== 'EXDEV' && code !== 'EPERM' && code !== 'EMLINK') throw e;
  }
  await copyFile(src, dst, constants.COPYFILE_FICLONE | constants.COPYFILE_EXCL);
  await makeReadOnly(dst);
  return 'copied';
}

export async function makeReadOnly(path: string): Promise<void> {
  const { mode } = await stat(path);
  const readOnly = mode & ~0o222 & 0o7777;
  if (readOnly !== (mode & 0o7777)) await chmod(path, readOnly);
}

/** The referenced files (`store_fname`) missing under a filestore root. */
export async function missingFiles(root: string, storeFnames: Iterable<string>): Promise<string[]> {
  const missing: string[] = [];
  for (const rel of storeFnames) {
    if (rel.includes('..') || rel.startsWith('/')) {
      missing.push(rel);
      continue;
    }
    try {
      await stat(join(root, rel));
    } catch {
      missing.push(rel);
    }
  }
  return missing;
}

/** The listing without these files (relative names). */
export function withoutFiles(listing: FilestoreListing, left: ReadonlySet<string>): FilestoreListing {
  if (left.size === 0) return listing;
  const entries = listing.entries.filter((e) => !left.has(e.rel));
  return { entries, bytes: entries.reduce((n, e) => n + e.size, 0) };
}

/** Log how many files the copy leaves out (they only held sensitive models' attachments). */
export function logLeftOut(ctx: { log(level: 'INFO', message: string, step: 'backing_up_filestore'): void }, all: FilestoreListing, kept: FilestoreListing): void {
  const n = all.entries.length - kept.entries.length;
  if (n > 0) ctx.log('INFO', `Filestore: ${n} files of sensitive models' attachments left out (placeholders instead)`, 'backing_up_filestore');
}
