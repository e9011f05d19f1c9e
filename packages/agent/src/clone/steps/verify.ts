// verifying: the new database answers, every file its attachments reference that existed in the
// source is present, then the target goes live: create_new starts the new environment (CONNECT is
// granted to its role only now, after the proof); replace swaps the new data in and starts it, and
// swaps back if it does not come up healthy. The health check uses the runtime's app (health URL
// and version command); under a runtime that can run a second, unrouted instance (docker), a
// replace's new data is health-checked in one before the swap.
import { AppError, ErrorCode, type ClonePlan, type CloneVerifyOutput } from '@oec/shared';
import type { TaskContext } from '../../tasks/types.js';
import { readFile, rm } from 'node:fs/promises';
import { checkpoint, clonePaths, holdPoint, type ClonePaths, type CloneHooks } from '../context.js';
import { missingFiles } from '../filestore.js';
import { referencedFiles } from '../sql.js';
import { swap, swapBack, writeJournal } from './swap.js';

type Check = CloneVerifyOutput['checks'][number];

/**
 * Referenced files the source itself lacked (expected to be missing here too): looked up in the
 * source's filestore on one server; across servers, the list the source sent with the filestore.
 */
async function missingInSource(plan: ClonePlan, paths: ClonePaths, referenced: string[]): Promise<string[]> {
  if (!plan.servers) return missingFiles(paths.sourceFilestore, referenced);
  try {
    const parsed: unknown = JSON.parse(await readFile(paths.missingInSource, 'utf8'));
    return Array.isArray(parsed) ? parsed.filter((f): f is string => typeof f === 'string') : [];
  } catch {
    return [];
  }
}

export async function verifyTarget(plan: ClonePlan, ctx: TaskContext, hooks: CloneHooks): Promise<CloneVerifyOutput> {
  await checkpoint(ctx, hooks, 'verifying', 'start');
  await holdPoint(ctx, hooks, plan, 'verifying');
  const { runtime } = ctx;
  const paths = clonePaths(ctx, plan);
  const checks: Check[] = [];
  const fail = (message: string, details: Record<string, unknown>) =>
    new AppError(ErrorCode.VERIFICATION_FAILED, message, { ...details, checks });

  const referenced = await runtime.withDatabase(plan.work_db, async (c) => {
    await c.query('SELECT 1');
    return referencedFiles(c);
  });
  checks.push({ name: 'database answers', passed: true, detail: null });
  if (plan.include_filestore) {
    const inSource = new Set(await missingInSource(plan, paths, referenced));
    const expected = referenced.filter((f) => !inSource.has(f));
    const missing = await missingFiles(paths.workFilestore, expected);
    checks.push({
      name: 'every referenced file present',
      passed: missing.length === 0,
      detail: `${expected.length - missing.length}/${expected.length} files`,
    });
    if (missing.length > 0) throw fail(`${missing.length} referenced files are missing in the target filestore`, { missing: missing.slice(0, 20) });
  }
  ctx.progress(0.4, { message: 'Data verified' }, 'verifying');

  let swapped = false;
  if (plan.mode === 'replace') {
    // Where the runtime can run a second, unrouted instance, the new data must come up healthy in
    // it before anything of the target is touched.
    const trial = await runtime.trialApp(plan.target, { db_name: plan.work_db, addons_path: paths.workAddons }, ctx.signal);
    if (trial) {
      const passed = trial.healthy && trial.version === plan.target.odoo_version;
      checks.push({ name: 'new data healthy in an unrouted instance before the swap', passed, detail: trial.version ?? trial.detail });
      if (!passed) {
        const why = trial.healthy ? `it reports Odoo ${trial.version ?? '?'}, expected ${plan.target.odoo_version}` : trial.detail;
        throw fail(`Target environment not responding on the new data (${why}); ${plan.target.name} was not touched`, { data_ok: true, app_failed: true });
      }
      ctx.log('INFO', `New data healthy in an unrouted Odoo ${trial.version ?? ''} instance; swapping it in`, 'verifying');
    }
    await swap(plan, ctx);
    swapped = true;
    ctx.log('INFO', `Swapped the new data into ${plan.target.name}; the old data is kept as ${plan.retained_db ?? ''}`, 'verifying');
  }
  let version = '';
  try {
    await runtime.start(plan.target, ctx.signal);
    const app = await runtime.appStatus(plan.target);
    version = await runtime.appVersion(plan.target, ctx.signal);
    checks.push({ name: 'app health URL answers', passed: app.healthy, detail: app.url });
    checks.push({ name: 'version command', passed: version === plan.target.odoo_version, detail: version });
    if (!app.healthy) throw new Error('Target environment not responding');
    if (version !== plan.target.odoo_version) throw new Error(`Target reports Odoo ${version}, expected ${plan.target.odoo_version}`);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    if (swapped) {
      await swapBack(plan, ctx);
      if (plan.target_running) await runtime.start(plan.target, ctx.signal).catch(() => undefined);
      ctx.log('ERROR', `New data did not come up healthy; ${plan.target.name} is back on its old data`, 'verifying');
    }
    if (e instanceof AppError && e.code !== ErrorCode.VERIFICATION_FAILED) throw e;
    throw fail(`Target environment not responding: ${message}`, { data_ok: true, app_failed: true });
  }
  // A failure from here on is not the app's: cleanup undoes the swap from the journal.
  await checkpoint(ctx, hooks, 'verifying', 'end');
  if (swapped) await writeJournal(paths.journal, { state: 'done' });
  await rm(paths.missingInSource, { force: true });
  ctx.progress(1, { message: 'Clone verification passed' }, 'verifying');
  ctx.log('INFO', `Clone verification passed: Odoo ${version} answers its health URL`, 'verifying');
  return { checks, swapped, app_healthy: true };
}
