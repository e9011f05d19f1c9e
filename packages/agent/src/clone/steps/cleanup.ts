// Rollback of a failed or cancelled operation: remove everything it created. create_new: the
// whole target environment (or, when only the app failed, keep it stopped for debugging).
// replace: undo a swap that happened, drop the side database and directories, restart the target
// if it was running; the target's own data is never touched. Idempotent: safe to run again.
import { rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ClonePlan } from '@oec/shared';
import type { TaskContext } from '../../tasks/types.js';
import { clonePaths } from '../context.js';
import { readJournal, swapBack } from './swap.js';

export async function cleanup(plan: ClonePlan & { keep_target: boolean }, ctx: TaskContext): Promise<{ removed: string[]; swapped_back: boolean }> {
  const { runtime } = ctx;
  const removed: string[] = [];
  // Cleanup must finish even when the operation was cancelled: it runs under its own task signal.
  if (plan.mode === 'create_new') {
    if (plan.keep_target) {
      await runtime.stop(plan.target, ctx.signal);
      ctx.log('WARNING', `Kept ${plan.target.name} stopped for debugging`);
    } else {
      await runtime.destroy(plan.target, ctx.signal);
      removed.push(`environment ${plan.target.name}`);
    }
    return { removed, swapped_back: false };
  }
  const paths = clonePaths(ctx, plan);
  const swappedBack = await swapBack(plan, ctx);
  const state = await readJournal(paths.journal);
  if (state === 'done') return { removed, swapped_back: false };
  if (await runtime.databaseExists(plan.work_db)) {
    await runtime.dropDatabase(plan.work_db);
    removed.push(`database ${plan.work_db}`);
  }
  for (const dir of [paths.workFilestore, paths.workAddons, paths.legacyWorkAddons, paths.missingInSource]) {
    await rm(dir, { recursive: true, force: true });
  }
  removed.push('staging filestore and addons');
  if (plan.target_running && !(await runtime.appStatus(plan.target)).healthy) await runtime.start(plan.target, ctx.signal);
  await rm(paths.journal, { force: true });
  return { removed, swapped_back: swappedBack };
}

/** After the retention period: the replaced data goes for good. */
export async function purgeRetained(
  plan: { environment_id: string; db_name: string; retained_db: string; operation_id: string },
  ctx: TaskContext,
): Promise<{ ok: true }> {
  const target = ctx.runtime.locate(plan);
  await ctx.runtime.dropDatabase(plan.retained_db);
  await rm(join(dirname(target.filestore_path), plan.retained_db), { recursive: true, force: true });
  await rm(`${target.addons_path}.${plan.retained_db}`, { recursive: true, force: true });
  ctx.log('INFO', `Dropped the replaced data ${plan.retained_db}`);
  return { ok: true };
}
