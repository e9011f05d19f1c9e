// A loop-mounted XFS made with `-m reflink=1`, or a btrfs: filesystems that clone files, for the
// copy-on-write suites and the demo. Needs root, losetup and mkfs.xfs (xfsprogs) or mkfs.btrfs
// (btrfs-progs). Every step that succeeded is undone by `close()`, and by the failing call itself
// when a later step fails.
import { chmod, mkdir, rm, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { findBinary, runFile } from './exec-file.js';
import { isMountPoint } from './disk.js';

export interface LoopXfs {
  /** The mounted filesystem's root (mode 0755, so the postgres user can traverse it). */
  dir: string;
  device: string;
  /** Unmount, detach the loop device and delete the image; idempotent. */
  close(): Promise<void>;
}

/** Why a loop-mounted XFS cannot be made here, or null when it can. */
export function loopXfsUnavailable(): string | null {
  return loopUnavailable(['mkfs.xfs'], 'xfsprogs');
}

/** Why a loop-mounted btrfs with its tool cannot be made here, or null when it can. */
export function loopBtrfsUnavailable(): string | null {
  return loopUnavailable(['mkfs.btrfs', 'btrfs'], 'btrfs-progs');
}

function loopUnavailable(tools: string[], pkg: string): string | null {
  if (process.getuid?.() !== 0) return 'needs root (mount, losetup)';
  for (const tool of [...tools, 'losetup', 'mount', 'umount']) {
    if (!findBinary(tool)) return `needs ${tool}${tools.includes(tool) ? ` (apt-get install ${pkg})` : ''}`;
  }
  return null;
}

const run = (cmd: string, args: string[]): Promise<string> => runFile(cmd, args, 120_000);

/**
 * Make `<base>/xfs.img` (sparse, `sizeMiB`), attach it, format it with reflink and mount it on
 * `mountAt` (default `<base>/mnt`; e.g. an agent's data dir before the agent starts).
 */
export async function mountLoopXfs(base: string, sizeMiB: number, mountAt?: string, opts: { directIo?: boolean } = {}): Promise<LoopXfs> {
  return mountLoop(base, sizeMiB, mountAt, 'xfs', opts);
}

/** As mountLoopXfs, a btrfs (`<base>/btrfs.img`): filestores on it become subvolumes, snapshotted whole. */
export async function mountLoopBtrfs(base: string, sizeMiB: number, mountAt?: string): Promise<LoopXfs> {
  return mountLoop(base, sizeMiB, mountAt, 'btrfs', {});
}

async function mountLoop(base: string, sizeMiB: number, mountAt: string | undefined, fs: 'xfs' | 'btrfs', opts: { directIo?: boolean }): Promise<LoopXfs> {
  const image = join(base, `${fs}.img`);
  const dir = mountAt ?? join(base, 'mnt');
  await mkdir(dir, { recursive: true });
  await writeFile(image, '');
  await truncate(image, sizeMiB * 1024 * 1024);
  let device = '';
  const close = async (): Promise<void> => {
    // (a platform's close may have unmounted it already: unmountAllUnder its agents' data dirs)
    if (await isMountPoint(dir)) {
      for (let i = 0; ; i++) {
        try {
          await run('umount', [dir]);
          break;
        } catch (err) {
          if (i >= 10) throw err;
          await new Promise((r) => setTimeout(r, 500));
        }
      }
    }
    if (device) {
      await run('losetup', ['--detach', device]);
      device = '';
    }
    await rm(image, { force: true });
  };
  try {
    device = (await run('losetup', ['--find', '--show', ...(opts.directIo ? ['--direct-io=on'] : []), image])).trim();
    if (fs === 'xfs') await run('mkfs.xfs', ['-q', '-f', '-m', 'reflink=1', device]);
    else await run('mkfs.btrfs', ['-q', '-f', device]);
    await run('mount', [device, dir]);
    await chmod(dir, 0o755);
    return { dir, device, close };
  } catch (err) {
    await close().catch(() => undefined);
    throw err;
  }
}
