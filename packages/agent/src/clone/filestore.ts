// Odoo filestore copying on one server. Files are content-addressed (`<sha[:2]>/<sha>`) and never
// rewritten, so a clone links them instead of copying: a hard link (or a reflink copy where links
// cannot cross filesystems) costs no space and no time per byte. Linked files are made read-only
// once, at link time, and never chowned or chmodded afterwards: the inode is shared with the source.
// A copy-on-write clone (reflinkFile) has an inode of its own and keeps the source file's mode.
// Only the hashed sub-directories are taken: Odoo's GC `checklist/` belongs to the source database.
import { constants } from 'node:fs';
import { chmod, copyFile, link, lstat, mkdir, readdir, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { forEachLimit } from '@oec/shared';
import { isSubvolume, makeFilestoreDir, onBtrfs, sameFilesystem, snapshotSubvolume, type SubvolumeOptions } from '../runtime/subvolume.js';

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
const SHA1_NAME = /^[0-9a-f]{40}$/;

/** Every content file under a filestore root (`<xx>/<sha>`); a missing root is an empty listing. */
export async function listFilestore(root: string, signal?: AbortSignal): Promise<FilestoreListing> {
  const rels = [...(await filestoreNames(root, signal))].sort();
  // The sizes are one lstat each, a few at once: one after the other, the disk's latency adds up.
  const entries: FilestoreEntry[] = new Array<FilestoreEntry>(rels.length);
  let bytes = 0;
  await forEachLimit(rels, 16, async (rel, i) => {
    const { size } = await lstat(join(root, rel));
    entries[i] = { rel, size };
    bytes += size;
  });
  return { entries, bytes };
}

/** The names (`<xx>/<sha>`) of every content file under a filestore root, without a stat each. */
export async function filestoreNames(root: string, signal?: AbortSignal): Promise<Set<string>> {
  const names = new Set<string>();
  let top;
  try {
    top = await readdir(root, { withFileTypes: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return names;
    throw e;
  }
  const dirs = top.filter((d) => d.isDirectory() && HASH_DIR.test(d.name)).map((d) => d.name);
  await forEachLimit(dirs, 8, async (dir) => {
    signal?.throwIfAborted();
    for (const file of await readdir(join(root, dir), { withFileTypes: true })) {
      if (file.isFile()) names.add(`${dir}/${file.name}`);
    }
  });
  return names;
}

/** Odoo's content address: the file's name is the sha1 of its content. */
export function isContentAddressed(rel: string): boolean {
  return SHA1_NAME.test(rel.slice(rel.lastIndexOf('/') + 1));
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
  /** Clone each file copy-on-write (FICLONE, never a byte copy) instead of hard-linking it. */
  reflink?: boolean;
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
  await makeFilestoreDir(dstRoot);
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
      const place = opts.reflink ? reflinkFile : placeFile;
      const outcome = await place(join(srcRoot, entry.rel), join(dstRoot, entry.rel), entry.size);
      result[outcome]++;
      result.filesDone++;
      result.bytesDone += entry.size;
      opts.onProgress?.(result);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, opts.concurrency ?? 8) }, worker));
  return result;
}

export interface FilestoreSnapshot {
  /** The content files the target holds (`<xx>/<sha>`), after what a copy leaves out was removed. */
  names: Set<string>;
  /** Files of the snapshot removed because the plan leaves them out. */
  leftOut: number;
  /** Entries of the snapshot removed because a copy never takes them: outside the hashed dirs, not regular files. */
  removed: number;
}

/**
 * Whether `srcRoot` can be snapshotted whole into `dstRoot`: it is a btrfs subvolume, and the
 * target's parent is on the same filesystem (a snapshot never crosses one).
 */
export async function canSnapshotFilestore(srcRoot: string, dstRoot: string): Promise<boolean> {
  if (!(await isSubvolume(srcRoot))) return false;
  const parent = dirname(dstRoot);
  await mkdir(parent, { recursive: true });
  return (await onBtrfs(parent)) && (await sameFilesystem(parent, srcRoot));
}

/**
 * The source's filestore at `dstRoot` as one btrfs snapshot (every file at this instant, sharing
 * its blocks, in one ioctl, at any number of files), then trimmed to what the per-file copy takes:
 * only Odoo's hashed directories (its GC `checklist/` belongs to the source), only regular files in
 * them, none of `leftOut`. `dstRoot` is this clone's own work directory: what is there already (the
 * target's empty filestore, a snapshot of an interrupted run) is replaced.
 */
export async function snapshotFilestore(
  srcRoot: string,
  dstRoot: string,
  leftOut: ReadonlySet<string>,
  opts: SubvolumeOptions = {},
): Promise<FilestoreSnapshot> {
  await rm(dstRoot, { recursive: true, force: true });
  await snapshotSubvolume(srcRoot, dstRoot, opts);
  let removed = 0;
  let leftOutRemoved = 0;
  const names = new Set<string>();
  const dirs: string[] = [];
  for (const entry of await readdir(dstRoot, { withFileTypes: true })) {
    if (entry.isDirectory() && HASH_DIR.test(entry.name)) dirs.push(entry.name);
    else {
      await rm(join(dstRoot, entry.name), { recursive: true, force: true });
      removed++;
    }
  }
  await forEachLimit(dirs, 8, async (dir) => {
    opts.signal?.throwIfAborted();
    for (const file of await readdir(join(dstRoot, dir), { withFileTypes: true })) {
      const rel = `${dir}/${file.name}`;
      const taken = file.isFile() && !leftOut.has(rel);
      if (taken) {
        names.add(rel);
        continue;
      }
      await rm(join(dstRoot, rel), { recursive: true, force: true });
      if (file.isFile()) leftOutRemoved++;
      else removed++;
    }
  });
  return { names, leftOut: leftOutRemoved, removed };
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

/**
 * A copy-on-write clone of `src` at `dst` (sharing its blocks), with `src`'s mode; a same-size
 * `dst` is kept. Not made read-only: the clone's inode is its own, so nothing done to it reaches
 * `src` (the read-only mode guards a hard link's shared inode), and the chmod and its stat were
 * 40 % of a clone's time (30k files on a reflink XFS: 1.9 → 1.2 s).
 */
export async function reflinkFile(src: string, dst: string, size: number): Promise<'copied' | 'alreadyPresent'> {
  try {
    await copyFile(src, dst, constants.COPYFILE_FICLONE_FORCE | constants.COPYFILE_EXCL);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    const existing = await stat(dst);
    if (existing.size === size) return 'alreadyPresent';
    throw new Error(`filestore file ${dst} exists with a different size (${existing.size} ≠ ${size})`, { cause: e });
  }
  return 'copied';
}

export async function makeReadOnly(path: string): Promise<void> {
  const { mode } = await stat(path);
  const readOnly = mode & ~0o222 & 0o7777;
  if (readOnly !== (mode & 0o7777)) await chmod(path, readOnly);
}

/**
 * The referenced files (`store_fname`) missing under a filestore root, in the order given.
 * `listed`: names already known to be there (a listing of the root), which need no look.
 */
export async function missingFiles(root: string, storeFnames: Iterable<string>, listed?: ReadonlySet<string>): Promise<string[]> {
  const names = [...storeFnames];
  const missing = new Set<string>();
  // one listing per directory (Odoo's `<xx>/`), not one stat per file: 44k awaited stats took
  // seconds on each of the steps that check the files (validating, the copy, verifying)
  const byDir = new Map<string, string[]>();
  for (const rel of names) {
    if (rel.includes('..') || rel.startsWith('/')) missing.add(rel);
    else if (!listed?.has(rel)) {
      const dir = dirname(rel);
      const rels = byDir.get(dir);
      if (rels) rels.push(rel);
      else byDir.set(dir, [rel]);
    }
  }
  await forEachLimit([...byDir], 8, async ([dir, rels]) => {
    const entries = await readdir(join(root, dir), { withFileTypes: true }).catch(() => null);
    const found = new Map((entries ?? []).map((e) => [e.name, e]));
    for (const rel of rels) {
      const e = found.get(basename(rel));
      // a link counts as present where it leads somewhere (as stat follows it)
      if (!e || (e.isSymbolicLink() && !(await stat(join(root, rel)).then(() => true, () => false)))) missing.add(rel);
    }
  });
  return names.filter((rel) => missing.has(rel));
}

/** The listing without these files (relative names). */
export function withoutFiles(listing: FilestoreListing, left: ReadonlySet<string>): FilestoreListing {
  if (left.size === 0) return listing;
  const entries = listing.entries.filter((e) => !left.has(e.rel));
  return { entries, bytes: entries.reduce((n, e) => n + e.size, 0) };
}

/** Log how many files the copy leaves out (they only held sensitive models' attachments). */
export function logLeftOut(ctx: { log(level: 'INFO', message: string, step: 'backing_up_filestore'): void }, n: number): void {
  if (n > 0) ctx.log('INFO', `Filestore: ${n} files of sensitive models' attachments left out (placeholders instead)`, 'backing_up_filestore');
}
