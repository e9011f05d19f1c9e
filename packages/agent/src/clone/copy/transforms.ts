// Which row transform a clone's COPY path applies: the in-stream sanitizers, each prepared on the
// source side from one read-only session in the copy's snapshot, so that unmasked values never
// leave the source — not onto the wire, not onto the target's disk. Each part (personal data
// options, credentials, …) gives a transform per table; a table's transforms run in the order of
// STREAM_PARTS, composed (codec.ts composeTransforms). What stays SQL after the load (mail servers,
// crons, base URL, …) runs in the sanitizing step, as on the dump path.
import type pg from 'pg';
import { AppError, ErrorCode, type ClonePlan, type SanitizationOptionKey } from '@oec/shared';
import { attachmentStream, optionsToRun, PERSONAL_OPTIONS, prepareStreamMasking } from '../../sanitize/index.js';
import type { TaskContext } from '../../tasks/types.js';
import { composeTransforms, type RowTransform, type RowTransformFactory } from './codec.js';

/** A source value found in what a part wrote (table, column, count; never the value). */
export interface StreamPartLeak {
  table: string;
  column: string;
  option: SanitizationOptionKey;
  count: number;
}

/** One in-stream sanitizer, ready for the rows (prepared in the snapshot, before the first row). */
export interface StreamPart {
  /** For the log: what it does. */
  readonly label: string;
  /** The transform of a public table's rows (its COPY columns in order), or null. */
  transformFor(table: string, columns: readonly string[]): RowTransform | null;
  /** Fields (or rows) rewritten so far, by option or rule. */
  counts(): Record<string, number>;
  /** Source values found in rows after the transform. */
  leaks(): StreamPartLeak[];
}

export interface StreamPartInput {
  plan: ClonePlan;
  /** The personal and credential options in the order the SQL path applies them. */
  order: readonly SanitizationOptionKey[];
}

type Preparer = (client: pg.ClientBase, input: StreamPartInput) => Promise<StreamPart | null>;

/** The parts, in the order a row passes through them. */
const STREAM_PARTS: readonly Preparer[] = [
  async (client, { plan, order }) => {
    const personal = order.filter((k) => PERSONAL_OPTIONS.has(k));
    if (personal.length === 0) return null;
    const m = await prepareStreamMasking(client, { options: plan.sanitization.options, order: personal, salt: plan.sanitization.salt });
    if (!m) return null;
    return {
      label: `${m.map.columns.length} personal columns, ${m.map.textColumns.length} text columns searched by value`,
      transformFor: (t, c) => m.transformFor(t, c),
      counts: () => m.masked(),
      leaks: () => m.leaks(),
    };
  },
  // after the personal data options, as in the SQL path's catalogue order; reads nothing on the source
  async (_client, { plan, order }) => {
    if (!order.includes('replace_sensitive_attachments')) return null;
    const models = plan.sensitive_models ?? [];
    const a = attachmentStream(models);
    return {
      label: `attachments of ${models.length} sensitive models replaced by placeholders, share tokens cleared`,
      transformFor: (t, c) => a.transformFor(t, c),
      counts: () => ({ replace_sensitive_attachments: a.rewritten() }),
      leaks: () => [],
    };
  },
];

export interface PlannedTransform {
  factory: RowTransformFactory | null;
  /** After the last row: fail when a source value was found in what was written; log the counts. */
  finish(): void;
}

const NONE: PlannedTransform = { factory: null, finish: () => undefined };
const SNAPSHOT_ID = /^[0-9A-F]+-[0-9A-F]+(-[0-9]+)?$/i;

export async function planTransform(plan: ClonePlan, ctx: TaskContext, snapshot: string | null): Promise<PlannedTransform> {
  const order = optionsToRun(plan.sanitization.options).map((o) => o.key);
  const parts = await ctx.runtime.withDatabase(plan.source.db_name, async (client) => {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    try {
      if (snapshot) {
        if (!SNAPSHOT_ID.test(snapshot)) throw new Error(`unexpected snapshot id ${snapshot}`);
        await client.query(`SET TRANSACTION SNAPSHOT '${snapshot}'`);
      }
      await client.query(`SELECT set_config('jit', 'off', true)`);
      const ready: StreamPart[] = [];
      for (const prepare of STREAM_PARTS) {
        const part = await prepare(client, { plan, order });
        if (part) ready.push(part);
      }
      return ready;
    } finally {
      await client.query('ROLLBACK').catch(() => undefined);
    }
  });
  if (parts.length === 0) return NONE;
  for (const p of parts) ctx.log('INFO', `In-stream masking: ${p.label}`, 'backing_up_database');
  return {
    factory: (t) => (t.schema === 'public' ? composeTransforms(parts.map((p) => p.transformFor(t.name, t.columns))) : null),
    finish: () => {
      const masked = parts
        .flatMap((p) => Object.entries(p.counts()))
        .map(([o, n]) => `${o} ${n}`)
        .join(', ');
      ctx.log('INFO', `Masked in stream before any row reached the target: ${masked || 'nothing to mask'}`, 'backing_up_database');
      const leaks = parts.flatMap((p) => p.leaks());
      if (leaks.length === 0) return;
      const where = leaks.map((l) => `${l.table}.${l.column} (${l.count})`).join(', ');
      throw new AppError(ErrorCode.PROOF_FAILED, `in-stream masking left source values in ${where}`, {
        failed_checks: leaks.map((l) => ({ option_key: l.option, check: 'no source value in the rows written (searched by value)', passed: false, violations: l.count, detail: `${l.table}.${l.column}` })),
      });
    },
  };
}
