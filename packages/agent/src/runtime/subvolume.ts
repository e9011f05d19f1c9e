// btrfs subvolumes for filestores (decision 0022). On a btrfs data root each environment's
// filestore is a subvolume of its own, so a same-server copy-on-write clone takes it whole with one
// snapshot, whatever the number of files, instead of cloning file after file (132k FICLONEs took
// 5.5 s on xlarge). Anywhere else, and where the `btrfs` tool is missing, a filestore is a plain
// directory and clones take the per-file path: both are correct, one is flat.
import { lstat, mkdir, readFile, realpath, rename, rm, statfs } from 'node:fs/promises';
import { dirname } from 'node:path';
import { performance } from 'node:perf_hooks';
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

/** Beside a filestore being converted (convertFilestore): the new subvolume, then the old directory. */
const CONVERTING = '.subvolume';
const REPLACED = '.plain';

/**
 * A filestore that is a plain directory on a btrfs data root (made before btrfs-progs was there)
 * becomes a subvolume, so that copy-on-write clones of its environment snapshot it whole. Only
 * while nothing writes it: the runtimes call it just before they start the environment's app. Its
 * files are reflinked (`cp --reflink=always`, no data copied) into a new subvolume
 * `<path>.subvolume`, the old directory moves to `<path>.plain`, the new one takes its place, and
 * the old one goes last. A run cut anywhere is finished or undone by the next (recoverConversion),
 * so the filestore is never lost. Returns what it found or did; 'plain' where it cannot convert
 * (not btrfs, no tool).
 */
export async function convertFilestore(path: string, opts: SubvolumeOptions = {}): Promise<'converted' | 'subvolume' | 'plain' | 'missing'> {
  await recoverConversion(path);
  if (!(await exists(path))) return 'missing';
  if (await isSubvolume(path)) return 'subvolume';
  if (!(await onBtrfs(path)) || !(await btrfsToolAvailable(opts))) return 'plain';
  const fresh = `${path}${CONVERTING}`;
  try {
    await btrfs(['subvolume', 'create', fresh], opts);
    // `<path>/.`: the directory's contents (and its mode and times) into the new subvolume
    await tool('cp', ['-a', '--reflink=always', '--', `${path}/.`, fresh], opts, 600_000);
  } catch (e) {
    await rm(fresh, { recursive: true, force: true });
    throw e;
  }
  await rename(path, `${path}${REPLACED}`);
  await rename(fresh, path);
  await rm(`${path}${REPLACED}`, { recursive: true, force: true });
  return 'converted';
}

/** What convertBeforeStart logs to (the agent's logger; not imported here: logger.ts reaches the config, which reaches this file). */
interface StartLog {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

/**
 * Before an environment's app starts (nothing writes its filestore): the filestore made a subvolume
 * where it can be (convertFilestore). A failure is logged and leaves the plain directory, which
 * clones copy file by file: never a reason not to start.
 */
export async function convertBeforeStart(filestore: string, environmentId: string, logger: StartLog, opts: SubvolumeOptions = {}): Promise<void> {
  const t0 = performance.now();
  try {
    if ((await convertFilestore(filestore, opts)) === 'converted') {
      logger.info({ environment_id: environmentId, ms: Math.round(performance.now() - t0) }, 'filestore made a btrfs subvolume (snapshotted whole by copy-on-write clones from now on)');
    }
  } catch (e) {
    logger.warn({ environment_id: environmentId, err: (e as Error).message }, 'filestore left a plain directory: making it a btrfs subvolume failed');
  }
}

/** Finish or undo a conversion a crash cut short (see convertFilestore for its order). */
async function recoverConversion(path: string): Promise<void> {
  const fresh = `${path}${CONVERTING}`;
  const old = `${path}${REPLACED}`;
  const [hasPath, hasFresh, hasOld] = await Promise.all([exists(path), exists(fresh), exists(old)]);
  if (!hasPath && hasOld) {
    // the old directory had moved aside, so the copy into the new subvolume was complete
    await rename(hasFresh ? fresh : old, path);
    if (hasFresh) await rm(old, { recursive: true, force: true });
    return;
  }
  // cut during the copy (the new subvolume partial), or before the old directory was removed
  if (hasFresh) await rm(fresh, { recursive: true, force: true });
  if (hasPath && hasOld) await rm(old, { recursive: true, force: true });
}

/**
 * A writable snapshot of the subvolume `source` at `dest` (which must not exist): every file of
 * `source` at this instant, sharing its blocks until either side writes, in one ioctl.
 */
export async function snapshotSubvolume(source: string, dest: string, opts: SubvolumeOptions = {}): Promise<void> {
  await btrfs(['subvolume', 'snapshot', source, dest], opts);
}

function btrfs(args: string[], opts: SubvolumeOptions): Promise<void> {
  return tool('btrfs', args, opts, 60_000);
}

/** Run `command` (argv, output ignored) to success, within `opts.signal` or `timeoutMs`. */
async function tool(command: string, args: string[], opts: SubvolumeOptions, timeoutMs: number): Promise<void> {
  const run = { signal: opts.signal ?? AbortSignal.timeout(timeoutMs), stdout: 'ignore' as const, ...(opts.env ? { env: opts.env } : {}) };
  await collect(spawnProcess(command, command, args, run));
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
