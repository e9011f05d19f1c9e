// The replace swap, journaled so it is idempotent and can be undone: the target's database,
// filestore and addons move aside under the retained names and the new ones take their place.
// The two database renames are one transaction; the directory renames follow the journal, so a
// swap interrupted anywhere is finished or reversed by running swap or swapBack again. A
// copy-on-write replace swaps whole clusters instead of databases (Runtime.swapClusters: the
// target's cluster kept as the side cluster `retained_db`, the new one moved into its place), each
// direction idempotent on its own; the journal says which one is due.
import { readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import type { ClonePlan } from '@oec/shared';
import type { TaskContext } from '../../tasks/types.js';
import { clonePaths } from '../context.js';

export type SwapState = 'prepared' | 'swapping' | 'swapped' | 'done' | 'swapped_back';

export async function writeJournal(path: string, entry: { state: SwapState }): Promise<void> {
  const tmp = `${path}.tmp`;
  await writeFile(tmp, JSON.stringify({ ...entry, at: new Date().toISOString() }));
  await rename(tmp, path);
}

export async function readJournal(path: string): Promise<SwapState | null> {
  try {
    const parsed: unknown = JSON.parse(await readFile(path, 'utf8'));
    if (parsed && typeof parsed === 'object' && 'state' in parsed && typeof parsed.state === 'string') {
      return parsed.state as SwapState;
    }
    return null;
  } catch {
    return null;
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** Move `from` to `to` unless that already happened (from gone, to present). */
async function move(from: string, to: string): Promise<void> {
  if (!(await exists(from))) return;
  if (await exists(to)) await rm(to, { recursive: true, force: true });
  await rename(from, to);
}

async function swapClusters(plan: ClonePlan, ctx: TaskContext, retained: string, direction: 'in' | 'back'): Promise<void> {
  if (!ctx.runtime.swapClusters) throw new Error(`this server's runtime (${ctx.runtime.kind}) cannot swap clusters`);
  await ctx.runtime.swapClusters(plan.target, plan.work_db, retained, direction);
}

export async function swap(plan: ClonePlan, ctx: TaskContext): Promise<void> {
  const retained = plan.retained_db;
  if (!retained) throw new Error('replace plan without a retained database name');
  const paths = clonePaths(ctx, plan);
  const { runtime } = ctx;
  await writeJournal(paths.journal, { state: 'swapping' });
  await runtime.stop(plan.target, ctx.signal);
  if (plan.data_path === 'cow') {
    await swapClusters(plan, ctx, retained, 'in');
  } else if (await runtime.databaseExists(plan.work_db)) {
    await runtime.swapDatabases(plan.target.db_name, plan.work_db, retained);
  }
  if (plan.include_filestore && paths.retainedFilestore) {
    await move(paths.targetFilestore, paths.retainedFilestore);
    await move(paths.workFilestore, paths.targetFilestore);
  }
  if (paths.retainedAddons) {
    await move(paths.targetAddons, paths.retainedAddons);
    await move(paths.workAddons, paths.targetAddons);
  }
  await writeJournal(paths.journal, { state: 'swapped' });
}

/** Put the target's old data back (after a swap whose new data then failed). */
export async function swapBack(plan: ClonePlan, ctx: TaskContext): Promise<boolean> {
  const retained = plan.retained_db;
  const paths = clonePaths(ctx, plan);
  const state = await readJournal(paths.journal);
  if (!retained || (state !== 'swapping' && state !== 'swapped')) return false;
  const { runtime } = ctx;
  await runtime.stop(plan.target, ctx.signal);
  if (plan.data_path === 'cow') {
    await swapClusters(plan, ctx, retained, 'back');
  } else if (await runtime.databaseExists(retained)) {
    await runtime.swapDatabases(plan.target.db_name, retained, plan.work_db);
  }
  if (plan.include_filestore && paths.retainedFilestore) {
    await move(paths.targetFilestore, paths.workFilestore);
    await move(paths.retainedFilestore, paths.targetFilestore);
  }
  if (paths.retainedAddons) {
    await move(paths.targetAddons, paths.workAddons);
    await move(paths.retainedAddons, paths.targetAddons);
  }
  await writeJournal(paths.journal, { state: 'swapped_back' });
  return true;
}
