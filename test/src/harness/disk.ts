// A small, fillable disk for disk-full suites: a size-limited tmpfs mounted on a directory, a
// ballast file that leaves only a few bytes free, and unmounting. Needs root (mount/umount).
//
// Where to mount for an agent: `agentEnvironmentsDir(dataDir)` is where the agent keeps every
// environment's files (filestore, addons, sessions, odoo.conf), so a full disk there fails file
// copies while its PostgreSQL cluster (under `<dataDir>/postgres`) keeps working. Mount it BEFORE
// the agent process starts: an agent spawned with `ip netns exec` gets its own copy of the mount
// table at start (the root mount here is usually private, so later mounts do not propagate to
// it), and the agent creates the directory on first use, so a later mount would hide its files.
// Note the agent reports disk facts (statfs) for its data dir, not this sub-directory: the
// controller's pre-clone disk check sees the data dir's filesystem. To make that check see a
// small disk, mount at the data dir itself (PostgreSQL then lives on the small disk too).
import { mkdir, open, readFile, rm, rmdir, statfs } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { runFile } from './exec-file.js';

/** `<dataDir>/environments`: the agent's environment files (its runtime/layout.ts environmentsDir). */
export function agentEnvironmentsDir(dataDir: string): string {
  return join(dataDir, 'environments');
}

const run = (cmd: string, args: string[]): Promise<string> => runFile(cmd, args, 60_000);

/** Mount points at or below `dir`, deepest first (from /proc/self/mountinfo). */
export async function mountsUnder(dir: string): Promise<string[]> {
  const root = resolve(dir);
  const info = await readFile('/proc/self/mountinfo', 'utf8');
  const points: string[] = [];
  for (const line of info.split('\n')) {
    const field = line.split(' ')[4];
    if (!field) continue;
    // mountinfo escapes space, tab, newline and backslash as octal.
    const point = field.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
    if (point === root || point.startsWith(`${root}/`)) points.push(point);
  }
  return [...new Set(points)].sort((a, b) => b.length - a.length);
}

export async function isMountPoint(dir: string): Promise<boolean> {
  return (await mountsUnder(dir)).includes(resolve(dir));
}

export interface SmallDiskOptions {
  /** Mode of the mounted root directory (default 0o755). */
  mode?: number;
}

/**
 * Mount a tmpfs of `sizeMiB` MiB on `dir` (created if missing). Needs root. Refuses a directory
 * that already is a mount point. Anything already in `dir` is hidden until unmount.
 */
export async function mountSmallDisk(dir: string, sizeMiB: number, opts: SmallDiskOptions = {}): Promise<void> {
  if (!Number.isInteger(sizeMiB) || sizeMiB < 1) throw new Error(`disk size must be a whole number of MiB ≥ 1 (got ${sizeMiB})`);
  const target = resolve(dir);
  await mkdir(target, { recursive: true });
  if (await isMountPoint(target)) throw new Error(`${target} already is a mount point`);
  const mode = (opts.mode ?? 0o755).toString(8).padStart(4, '0');
  await run('mount', ['-t', 'tmpfs', '-o', `size=${sizeMiB}m,mode=${mode}`, 'tmpfs', target]);
}

/** Unmount `dir` (no-op when it is not a mount point). Stacked mounts are all removed. */
export async function unmountDisk(dir: string): Promise<void> {
  const target = resolve(dir);
  while (await isMountPoint(target)) await run('umount', [target]);
}

/** Unmount every mount point at or below `dir`, deepest first (a harness's cleanup before rm -r). */
export async function unmountAllUnder(dir: string): Promise<void> {
  for (const point of await mountsUnder(dir)) await unmountDisk(point);
}

/** Bytes an unprivileged writer can still use on the filesystem holding `dir`. */
export async function freeBytes(dir: string): Promise<number> {
  const s = await statfs(dir);
  return s.bavail * s.bsize;
}

export interface Ballast {
  /** The ballast file, under `.oec-ballast` (a scan of `dir` sees a directory, not a stray file). */
  path: string;
  bytes: number;
  /** Delete the ballast (idempotent): the space is free again. */
  remove(): Promise<void>;
}

const CHUNK = 1 << 20;

/**
 * Write a ballast file on the filesystem of `dir` so that only about `leaveBytes` stay free
 * (rounded to the filesystem's block size; never more than requested plus one block).
 */
export async function fillDisk(dir: string, leaveBytes: number): Promise<Ballast> {
  if (leaveBytes < 0) throw new Error('leaveBytes must be ≥ 0');
  const ballastDir = join(dir, '.oec-ballast');
  await mkdir(ballastDir, { recursive: true });
  const path = join(ballastDir, `ballast-${process.pid}-${Date.now()}`);
  const { bsize } = await statfs(dir);
  const zeros = Buffer.alloc(CHUNK);
  const fh = await open(path, 'wx');
  let bytes = 0;
  try {
    for (;;) {
      const excess = (await freeBytes(dir)) - leaveBytes;
      if (excess < bsize) break;
      // Whole blocks only, so a partial block never leaves more than one block of slack.
      const n = Math.min(CHUNK, Math.floor(excess / bsize) * bsize);
      try {
        const { bytesWritten } = await fh.write(zeros, 0, n);
        bytes += bytesWritten;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOSPC') break;
        throw e;
      }
    }
    await fh.sync();
  } finally {
    await fh.close();
  }
  return {
    path,
    bytes,
    async remove() {
      await rm(path, { force: true });
      await rmdir(ballastDir).catch(() => undefined);
    },
  };
}
