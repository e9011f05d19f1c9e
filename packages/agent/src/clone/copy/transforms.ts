// Which row transform a clone's COPY path applies: the in-stream masking of the personal data
// options (sanitize/personal/stream.ts), prepared on the source side from a read-only session in
// the copy's snapshot, so that unmasked values never leave the source — not onto the wire, not
// onto the target's disk. The other options (mail servers, crons, credentials, base URL, …) stay
// SQL after the load, in the sanitizing step, as on the dump path.
import { AppError, ErrorCode, type ClonePlan } from '@oec/shared';
import { optionsToRun, PERSONAL_OPTIONS, prepareStreamMasking } from '../../sanitize/index.js';
import type { TaskContext } from '../../tasks/types.js';
import type { RowTransformFactory } from './codec.js';

export interface PlannedTransform {
  factory: RowTransformFactory | null;
  /** After the last row: fail when a source value was found in what was written; log the counts. */
  finish(): void;
}

const NONE: PlannedTransform = { factory: null, finish: () => undefined };
const SNAPSHOT_ID = /^[0-9A-F]+-[0-9A-F]+(-[0-9]+)?$/i;

export async function planTransform(plan: ClonePlan, ctx: TaskContext, snapshot: string | null): Promise<PlannedTransform> {
  const options = plan.sanitization.options;
  const order = optionsToRun(options)
    .map((o) => o.key)
    .filter((k) => PERSONAL_OPTIONS.has(k));
  if (order.length === 0) return NONE;
  const masker = await ctx.runtime.withDatabase(plan.source.db_name, async (client) => {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    try {
      if (snapshot) {
        if (!SNAPSHOT_ID.test(snapshot)) throw new Error(`unexpected snapshot id ${snapshot}`);
        await client.query(`SET TRANSACTION SNAPSHOT '${snapshot}'`);
      }
      await client.query(`SELECT set_config('jit', 'off', true)`);
      return await prepareStreamMasking(client, { options, order, salt: plan.sanitization.salt });
    } finally {
      await client.query('ROLLBACK').catch(() => undefined);
    }
  });
  if (!masker) return NONE;
  ctx.log('INFO', `In-stream masking: ${masker.map.columns.length} personal columns, ${masker.map.textColumns.length} text columns searched by value`, 'backing_up_database');
  return {
    factory: (t) => (t.schema === 'public' ? masker.transformFor(t.name, t.columns) : null),
    finish: () => {
      const masked = Object.entries(masker.masked())
        .map(([o, n]) => `${o} ${n}`)
        .join(', ');
      ctx.log('INFO', `Masked in stream before any row reached the target: ${masked || 'nothing to mask'}`, 'backing_up_database');
      const leaks = masker.leaks();
      if (leaks.length === 0) return;
      const where = leaks.map((l) => `${l.table}.${l.column} (${l.count})`).join(', ');
      throw new AppError(ErrorCode.PROOF_FAILED, `in-stream masking left source personal values in ${where}`, {
        failed_checks: leaks.map((l) => ({ option_key: l.option, check: 'no source personal value in the rows written (searched by value)', passed: false, violations: l.count, detail: `${l.table}.${l.column}` })),
      });
    },
  };
}
