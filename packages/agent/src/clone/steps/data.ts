// Steps 5–8 on one server as one task: the database (dump → restore, or a template copy) and
// the filestore (list → link) run side by side, each reporting its own steps, inside the source
// snapshot of ../snapshot.ts (a running source stays consistent with its files until the last
// file is linked).
import type pg from 'pg';
import type { ClonePlan, CloneDataOutput } from '@oec/shared';
import type { TaskContext } from '../../tasks/types.js';
import { asStepError, checkpoint, clonePaths, type CloneHooks, type ClonePaths } from '../context.js';
import { canSnapshotFilestore, linkFilestore, listFilestore, logLeftOut, missingFiles, snapshotFilestore, withoutFiles } from '../filestore.js';
import { withSourceSnapshot } from '../snapshot.js';
import { filesLeftOut, referencedFiles } from '../sql.js';
import { copyTuning, type CopyTuning } from '../copy/tuning.js';
import { copyDatabase } from './database.js';

export async function copyData(plan: ClonePlan, ctx: TaskContext, hooks: CloneHooks, tuning: CopyTuning = copyTuning()): Promise<CloneDataOutput> {
  const work = async (session: pg.ClientBase | null, snapshot: string | null): Promise<CloneDataOutput> => {
    const databaseCopy = async () => {
      await checkpoint(ctx, hooks, 'backing_up_database', 'start');
      return copyDatabase(plan, ctx, snapshot, hooks, tuning);
    };
    const filestoreCopy = () => (plan.include_filestore ? copyFilestore(plan, ctx, hooks, session) : Promise.resolve(null));
    // A copy-on-write snapshot is taken at its backup's end: the files are listed after it, so that
    // every file its rows reference is there (files are only ever added; the lock above stops the GC).
    const [database, filestore] =
      plan.data_path === 'cow' ? [await databaseCopy(), await filestoreCopy()] : await Promise.all([databaseCopy(), filestoreCopy()]);
    for (const step of ['backing_up_database', 'backing_up_filestore', 'restoring_database', 'restoring_filestore'] as const) {
      if (!plan.include_filestore && step.endsWith('filestore')) continue;
      await checkpoint(ctx, hooks, step, 'end');
    }
    const { inStream, ...copied } = database;
    return { database: copied, filestore, ...(inStream ? { in_stream: inStream } : {}) };
  };
  return withSourceSnapshot(plan, ctx, work);
}

async function copyFilestore(
  plan: ClonePlan,
  ctx: TaskContext,
  hooks: CloneHooks,
  session: pg.ClientBase | null,
): Promise<NonNullable<CloneDataOutput['filestore']>> {
  await checkpoint(ctx, hooks, 'backing_up_filestore', 'start');
  const paths = clonePaths(ctx, plan);
  try {
    const read = <T>(fn: (c: pg.ClientBase) => Promise<T>): Promise<T> => (session ? fn(session) : ctx.runtime.withDatabase(plan.source.db_name, fn));
    if (plan.data_path === 'cow' && (await canSnapshotFilestore(paths.sourceFilestore, paths.workFilestore))) {
      return await snapshotWholeFilestore(plan, ctx, hooks, paths, read);
    }
    const all = await listFilestore(paths.sourceFilestore, ctx.signal);
    const listing = withoutFiles(all, await read((c) => filesLeftOut(c, plan)));
    ctx.progress(1, { items_done: listing.entries.length, items_total: listing.entries.length, bytes_total: listing.bytes }, 'backing_up_filestore');
    ctx.log('INFO', `Filestore captured: ${listing.entries.length} files, ${listing.bytes} bytes`, 'backing_up_filestore');
    logLeftOut(ctx, all.entries.length - listing.entries.length);
    const referenced = await read(referencedFiles);
    const missing = await missingFiles(paths.sourceFilestore, referenced);
    if (missing.length > 0) {
      ctx.log('WARNING', `${missing.length} referenced files are missing in the source filestore (e.g. ${missing[0]})`, 'backing_up_filestore');
    }
    await checkpoint(ctx, hooks, 'restoring_filestore', 'start');
    const linked = await linkFilestore(paths.sourceFilestore, paths.workFilestore, listing, {
      signal: ctx.signal,
      // copy-on-write: files of its own that share blocks, not hard links to production's files
      reflink: plan.data_path === 'cow',
      onProgress: (p) =>
        ctx.progress(
          p.filesTotal ? p.filesDone / p.filesTotal : 1,
          { items_done: p.filesDone, items_total: p.filesTotal, bytes_done: p.bytesDone, bytes_total: p.bytesTotal },
          'restoring_filestore',
        ),
    });
    ctx.progress(1, { items_done: linked.filesTotal, items_total: linked.filesTotal }, 'restoring_filestore');
    ctx.log(
      'INFO',
      `Filestore restored: ${linked.filesTotal} files (${linked.linked} linked, ${linked.copied} ${plan.data_path === 'cow' ? 'cloned copy-on-write' : 'copied'}, ${linked.alreadyPresent} already there)`,
      'restoring_filestore',
    );
    return {
      files: linked.filesTotal,
      bytes: linked.bytesTotal,
      linked: linked.linked,
      copied: linked.copied,
      already_present: linked.alreadyPresent,
      missing_in_source: missing.slice(0, 100),
    };
  } catch (e) {
    throw asStepError('restoring_filestore', e);
  }
}

/**
 * The copy-on-write filestore on btrfs (decision 0022): the source's filestore subvolume
 * snapshotted whole into the work directory, then trimmed to what the per-file copy would take.
 * No listing of the source, no clone per file, and no look-up of the referenced files (validating
 * warned of those the source lacks; verifying checks the copy holds every other): what grows with
 * the files is one readdir pass over the copy, which the trimming needs.
 */
async function snapshotWholeFilestore(
  plan: ClonePlan,
  ctx: TaskContext,
  hooks: CloneHooks,
  paths: ClonePaths,
  read: <T>(fn: (c: pg.ClientBase) => Promise<T>) => Promise<T>,
): Promise<NonNullable<CloneDataOutput['filestore']>> {
  const leftOut = await read((c) => filesLeftOut(c, plan));
  await checkpoint(ctx, hooks, 'restoring_filestore', 'start');
  const snap = await snapshotFilestore(paths.sourceFilestore, paths.workFilestore, leftOut, { signal: ctx.signal });
  const files = snap.names.size;
  ctx.progress(1, { items_done: files, items_total: files }, 'backing_up_filestore');
  ctx.progress(1, { items_done: files, items_total: files }, 'restoring_filestore');
  logLeftOut(ctx, snap.leftOut);
  ctx.log('INFO', `Filestore snapshotted (btrfs subvolume, copy-on-write): ${files} files, ${snap.removed} entries not taken removed`, 'restoring_filestore');
  return { files, bytes: 0, linked: 0, copied: files, already_present: 0, missing_in_source: [] };
}
