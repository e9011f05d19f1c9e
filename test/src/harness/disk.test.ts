// Self-test of the small-disk helpers: a size-limited tmpfs and its ballast. Needs root on Linux
// (mount/umount); skipped with the reason otherwise.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fillDisk, isMountPoint, mountSmallDisk, unmountAllUnder, unmountDisk } from './disk.js';

const diskReason = process.platform !== 'linux' || process.getuid?.() !== 0 ? 'tmpfs mounts need root on Linux' : null;
if (diskReason) console.warn(`small-disk tests skipped: ${diskReason}`);

describe.skipIf(diskReason !== null)('small disk (tmpfs)', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'oec-disk-'));
  });

  afterAll(async () => {
    await unmountAllUnder(dir);
    await rm(dir, { recursive: true, force: true });
  });

  it('fills to leaveBytes: a bigger write fails with ENOSPC, and succeeds once the ballast is gone', async () => {
    const disk = join(dir, 'environments');
    await mountSmallDisk(disk, 8);
    expect(await isMountPoint(disk)).toBe(true);
    const leave = 64 * 1024;
    const ballast = await fillDisk(disk, leave);
    expect(ballast.bytes).toBeGreaterThan(0);
    const big = Buffer.alloc(leave + 512 * 1024, 1);
    await expect(writeFile(join(disk, 'payload'), big)).rejects.toMatchObject({ code: 'ENOSPC' });
    await rm(join(disk, 'payload'), { force: true }); // the part written before ENOSPC
    await writeFile(join(disk, 'small'), Buffer.alloc(leave / 2, 1)); // what was left is usable
    await ballast.remove();
    await writeFile(join(disk, 'payload'), big);
    await unmountDisk(disk);
    expect(await isMountPoint(disk)).toBe(false);
    await unmountDisk(disk); // no-op when not mounted
  });
});
