// Can this filesystem clone files (share blocks copy-on-write)? And the argv that clones a tree.
//
// The probe is a real FICLONE: a small temp file copied with COPYFILE_FICLONE_FORCE, which fails
// instead of falling back to a byte copy. The filesystem's name is only a hint for the report
// (XFS made without `-m reflink=1` clones nothing); the clone itself is the answer.
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { copyFile, rm, statfs, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface ReflinkProbe {
  available: boolean;
  /** `xfs`, `btrfs`, `ext4`, … or the magic number in hex when unknown; absent when statfs failed. */
  filesystem?: string;
  reason: string;
}

/** statfs(2) `f_type` magic numbers of the filesystems an agent's data root is likely on. */
const FILESYSTEMS: Record<number, string> = {
  0x58465342: 'xfs',
  0x9123683e: 'btrfs',
  0xef53: 'ext4',
  0x01021994: 'tmpfs',
  0x794c7630: 'overlayfs',
  0x2fc12fc1: 'zfs',
  0xca451a4e: 'bcachefs',
  0x6969: 'nfs',
  0xff534d42: 'cifs',
  0x65735546: 'fuse',
};

export function filesystemName(type: number): string {
  return FILESYSTEMS[type] ?? `0x${type.toString(16)}`;
}

/** Clone a temp file inside `dir` (which must exist and be writable); never throws. */
export async function probeReflink(dir: string): Promise<ReflinkProbe> {
  let filesystem: string | undefined;
  try {
    filesystem = filesystemName((await statfs(dir)).type);
  } catch (err) {
    return { available: false, reason: `cannot stat the filesystem of ${dir}: ${message(err)}` };
  }
  const tag = randomBytes(6).toString('hex');
  const src = join(dir, `.oec-reflink-probe-${tag}`);
  const dst = `${src}.clone`;
  try {
    await writeFile(src, randomBytes(4096));
    await copyFile(src, dst, constants.COPYFILE_FICLONE_FORCE);
    return { available: true, filesystem, reason: `${filesystem} clones files (FICLONE)` };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOTSUP' || code === 'EOPNOTSUPP' || code === 'EINVAL' || code === 'EXDEV'
        ? `${filesystem} cannot clone files (FICLONE: ${code})`
        : `the FICLONE test in ${dir} failed: ${message(err)}`;
    return { available: false, filesystem, reason: why };
  } finally {
    await rm(src, { force: true });
    await rm(dst, { force: true });
  }
}

/**
 * `cp` argv that clones `sources` into the existing directory `destDir`, keeping modes, owners and
 * times, and failing rather than copying bytes where a block cannot be shared. `--` keeps a source
 * starting with `-` from being read as an option.
 */
export function reflinkCopyArgv(sources: readonly string[], destDir: string): string[] {
  if (sources.length === 0) throw new Error('reflinkCopyArgv: nothing to copy');
  return ['--reflink=always', '--archive', `--target-directory=${destDir}`, '--', ...sources];
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
