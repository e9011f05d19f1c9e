// btrfs subvolumes for filestores (decision 0022). On a btrfs data root each environment's
// filestore is a subvolume of its own, so a same-server copy-on-write clone takes it whole with one
// snapshot, whatever the number of files, instead of cloning file after file (132k FICLONEs took
// 5.5 s on xlarge). Anywhere else, and where the `btrfs` tool is missing, a filestore is a plain
// directory and clones take the per-file path: both are correct, one is flat.
import { lstat, mkdir, readFile, realpath, statfs } from 'node:fs/promises';
import { dirname } from 'node:path';
import { collect, spawnProcess } from '../exec/run.js';

const BTRFS_MAGIC = 0x9123683e;
/** A subvolume's root directory is inode 256 (BTRFS_FIRST_FREE_OBJECTID); no other directory is. */
const SUBVOLUME_ROOT_INODE = 256;

export interface SubvolumeOptions {
  signal?: AbortSignal;
  /** Environment of the `btrfs` process (the agent's childEnv); default this process's. */
  env?: NodeJS.ProcessEnv;
}

/** Whether `path` (which must exist) is on btrfs; false when it cannot be told. */
export async function onBtrfs(path: string): Promise<boolean> {
  try {
    return (await statfs(path)).type === BTRFS_MAGIC;
  } catch {
    return false;
  }
}

/** Whether `path` is the root of a btrfs subvolume (false when missing or anything else). */
export async function isSubvolume(path: string): Promise<boolean> {
  try {
    const st = await lstat(path);
    return st.isDirectory() && st.ino === SUBVOLUME_ROOT_INODE && (await onBtrfs(path));
  } catch {
    return false;
  }
}

/**
 * Whether `a` and `b` (which must exist) are on one filesystem, which a snapshot needs. Not st_dev:
 * btrfs gives every subvolume a device number of its own. The mount each path is under (the
 * longest mount point of /proc/self/mountinfo that prefixes its real path) names the filesystem's
 * device (`major:minor`), the same for all of its subvolumes.
 */
export async function sameFilesystem(a: string, b: string): Promise<boolean> {
  const mounts = (await readFile('/proc/self/mountinfo', 'utf8'))
    .split('\n')
    .map((line) => line.split(' '))
    .filter((f) => f.length > 4)
    .map((f) => ({ device: f[2]!, point: unescapeMountPath(f[4]!) }));
  const deviceOf = async (path: string): Promise<string | undefined> => {
    const real = await realpath(path);
    let best: { device: string; point: string } | undefined;
    for (const m of mounts) {
      const under = real === m.point || real.startsWith(m.point.endsWith('/') ? m.point : `${m.point}/`);
      // a later line mounted over an earlier one at the same point wins
      if (under && (!best || m.point.length >= best.point.length)) best = m;
    }
    return best?.device;
  };
  const [da, db] = await Promise.all([deviceOf(a), deviceOf(b)]);
  return da !== undefined && da === db;
}

/** mountinfo escapes space, tab, newline and backslash as octal (`\040`). */
function unescapeMountPath(path: string): string {
  return path.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/** Whether this machine's `btrfs` tool answers (btrfs-progs); the facts report it. */
export async function btrfsToolAvailable(opts: SubvolumeOptions = {}): Promise<boolean> {
  try {
    await btrfs(['--version'], opts);
    return true;
  } catch {
    return false;
  }
}

/**
 * Make the directory a filestore lives in: a subvolume where its parent is on btrfs and the tool
 * answers, a plain directory otherwise (or when the subvolume cannot be made: the clone then takes
 * the per-file path). An existing directory is left as it is; the parents are made as by mkdir -p.
 */
export async function makeFilestoreDir(path: string, opts: SubvolumeOptions = {}): Promise<'subvolume' | 'directory' | 'existing'> {
  const parent = dirname(path);
  await mkdir(parent, { recursive: true });
  if (await exists(path)) return 'existing';
  if (await onBtrfs(parent)) {
    try {
      await btrfs(['subvolume', 'create', path], opts);
      return 'subvolume';
    } catch {
      if (await exists(path)) return 'existing';
    }
  }
  await mkdir(path, { recursive: true });
  return 'directory';
}

/**
 * A writable snapshot of the subvolume `source` at `dest` (which must not exist): every file of
 * `source` at this instant, sharing its blocks until either side writes, in one ioctl.
 */
export async function snapshotSubvolume(source: string, dest: string, opts: SubvolumeOptions = {}): Promise<void> {
  await btrfs(['subvolume', 'snapshot', source, dest], opts);
}

async function btrfs(args: string[], opts: SubvolumeOptions): Promise<void> {
  const run = { signal: opts.signal ?? AbortSignal.timeout(60_000), stdout: 'ignore' as const, ...(opts.env ? { env: opts.env } : {}) };
  await collect(spawnProcess('btrfs', 'btrfs', args, run));
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw e;
  }
}
