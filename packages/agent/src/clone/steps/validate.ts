// validating: the source database answers, its Odoo series and PostgreSQL version, sizes, and
// how many files its attachments reference (and how many of those are already missing).
import { AppError, ErrorCode, type ClonePlan, type CloneValidateOutput } from '@oec/shared';
import type { TaskContext } from '../../tasks/types.js';
import { checkpoint, clonePaths, holdPoint, type CloneHooks } from '../context.js';
import { missingFiles } from '../filestore.js';
import { referencedFiles } from '../sql.js';

export async function validateSource(plan: ClonePlan, ctx: TaskContext, hooks: CloneHooks): Promise<CloneValidateOutput> {
  await checkpoint(ctx, hooks, 'validating', 'start');
  await holdPoint(ctx, hooks, plan, 'validating');
  const { runtime } = ctx;
  const paths = clonePaths(ctx, plan);
  if (!(await runtime.databaseExists(plan.source.db_name))) {
    throw new AppError(ErrorCode.SOURCE_UNREACHABLE, `Cannot connect to source database: ${plan.source.db_name} does not exist`);
  }
  const facts = await runtime
    .withDatabase(plan.source.db_name, async (c) => {
      await c.query('SELECT 1');
      const version = await c.query<{ v: string }>("SELECT current_setting('server_version') AS v");
      const odoo = await c.query<{ v: string | null }>(
        "SELECT (SELECT latest_version FROM ir_module_module WHERE name = 'base') AS v WHERE to_regclass('ir_module_module') IS NOT NULL",
      );
      return {
        pgVersion: (version.rows[0]?.v ?? '').split(' ')[0] ?? '',
        odooVersion: odooSeries(odoo.rows[0]?.v ?? null),
        files: await referencedFiles(c),
      };
    })
    .catch((e: unknown) => {
      throw new AppError(ErrorCode.SOURCE_UNREACHABLE, `Cannot connect to source database: ${e instanceof Error ? e.message : String(e)}`);
    });
  ctx.progress(0.5, { message: 'Source database answers' }, 'validating');
  const sizes = await runtime.inspect(plan.source, ctx.signal);
  let missing = 0;
  if (plan.include_filestore) {
    missing = (await missingFiles(paths.sourceFilestore, facts.files)).length;
    if (missing > 0) {
      ctx.log('WARNING', `${missing} of ${facts.files.length} files referenced by attachments are already missing in the source filestore`, 'validating');
    }
  }
  if (plan.source.status === 'RUNNING') {
    const app = await runtime.appStatus(plan.source);
    if (!app.healthy) ctx.log('WARNING', 'Source application is not answering its health check; cloning its data anyway', 'validating');
  }
  ctx.log('INFO', 'Source environment validated successfully', 'validating');
  await checkpoint(ctx, hooks, 'validating', 'end');
  return {
    database_bytes: sizes.database_bytes,
    filestore_bytes: sizes.filestore_bytes,
    filestore_files: sizes.filestore_files,
    addons_bytes: sizes.addons_bytes,
    pg_version: facts.pgVersion,
    odoo_version: facts.odooVersion,
    referenced_files: facts.files.length,
    missing_in_source: missing,
  };
}

/** `17.0.1.3` → `17.0`; Odoo's module versions start with the series. */
export function odooSeries(version: string | null): string | null {
  const m = version ? /^(\d+\.\d+)/.exec(version) : null;
  return m?.[1] ?? null;
}
