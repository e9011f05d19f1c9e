// creating_target: the place the data goes. create_new: the target environment itself (role,
// empty database nobody may connect to, directories). replace: a database and filestore beside
// the target's, which keeps running untouched until the swap at the very end.
import { rm } from 'node:fs/promises';
import { AppError, ErrorCode, type ClonePlan } from '@oec/shared';
import { makeFilestoreDir } from '../../runtime/subvolume.js';
import type { TaskContext } from '../../tasks/types.js';
import { checkpoint, clonePaths, holdPoint, type CloneHooks } from '../context.js';
import { writeJournal } from './swap.js';

export async function prepareTarget(plan: ClonePlan, ctx: TaskContext, hooks: CloneHooks): Promise<{ ok: true }> {
  await checkpoint(ctx, hooks, 'creating_target', 'start');
  const { runtime } = ctx;
  const paths = clonePaths(ctx, plan);
  if (plan.mode === 'create_new') {
    // The source's images, when it lives here (a new environment runs what its source ran).
    await runtime.create(plan.target, ctx.signal, { like: plan.source });
    ctx.log('INFO', `Target environment created: ${plan.target.name}`, 'creating_target');
  } else {
    if (!(await runtime.databaseExists(plan.target.db_name))) {
      throw new AppError(ErrorCode.RESTORE_FAILED, `target database ${plan.target.db_name} does not exist on this server`);
    }
    await writeJournal(paths.journal, { state: 'prepared' });
    // Copy-on-write: the new data comes as a whole second cluster (steps/database.ts), no database here.
    if (plan.data_path !== 'cow') await runtime.createDatabase(plan.work_db, plan.target, {});
    await rm(paths.workFilestore, { recursive: true, force: true });
    // a subvolume on btrfs (decision 0022), so that the replaced environment can be snapshotted later
    await makeFilestoreDir(paths.workFilestore);
    await rm(paths.workAddons, { recursive: true, force: true });
    ctx.log('INFO', `Prepared a new database beside ${plan.target.name}; it keeps running until the swap`, 'creating_target');
  }
  await holdPoint(ctx, hooks, plan, 'creating_target');
  ctx.progress(1, {}, 'creating_target');
  await checkpoint(ctx, hooks, 'creating_target', 'end');
  return { ok: true };
}
