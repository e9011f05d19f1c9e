// copying_addons: every addons source of the environment (platform, organization, project
// repository, extra repositories: one directory each under addons/) copied as a tar stream with
// owners and modes kept; the target's addons directory is replaced by the source's.
import { mkdir, rm, stat } from 'node:fs/promises';
import type { ClonePlan } from '@oec/shared';
import { tarCreateArgv, tarExtractArgv } from '../../commands/index.js';
import { pipe } from '../../exec/run.js';
import { treeSize } from '../../runtime/fs-usage.js';
import type { TaskContext } from '../../tasks/types.js';
import { checkpoint, clonePaths, type CloneHooks } from '../context.js';

export async function copyAddons(
  plan: ClonePlan,
  ctx: TaskContext,
  hooks: CloneHooks,
): Promise<{ bytes: number; files: number; sources: number }> {
  await checkpoint(ctx, hooks, 'copying_addons', 'start');
  const paths = clonePaths(ctx, plan);
  const total = await treeSize(paths.sourceAddons, ctx.signal);
  await rm(paths.workAddons, { recursive: true, force: true });
  await mkdir(paths.workAddons, { recursive: true });
  const sourceExists = await stat(paths.sourceAddons).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (sourceExists) {
    const opts = { signal: ctx.signal };
    const producer = ctx.runtime.exec(tarCreateArgv({ cwd: paths.sourceAddons, paths: ['.'] }), { ...opts, stdout: 'pipe' });
    const consumer = ctx.runtime.exec(tarExtractArgv({ cwd: paths.workAddons, sameOwner: true }), { ...opts, stdin: 'pipe', stdout: 'ignore' });
    await pipe(producer, consumer, {
      onBytes: (bytes) =>
        ctx.progress(Math.min(0.99, total.bytes ? bytes / total.bytes : 0), { bytes_done: bytes, bytes_total: total.bytes }, 'copying_addons'),
    });
  }
  const copied = await treeSize(paths.workAddons, ctx.signal);
  const sources = plan.target.addons.length;
  ctx.progress(1, { bytes_done: copied.bytes, bytes_total: copied.bytes }, 'copying_addons');
  ctx.log('INFO', `Copied ${formatBytes(copied.bytes)} of custom modules (${sources} sources, ${copied.files} files)`, 'copying_addons');
  await checkpoint(ctx, hooks, 'copying_addons', 'end');
  return { bytes: copied.bytes, files: copied.files, sources };
}

export function formatBytes(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)} GB`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} MB`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} kB`;
  return `${n} B`;
}
