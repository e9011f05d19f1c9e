// Which row transform a clone's COPY path applies: the in-stream sanitizers, each prepared on the
// source side from one read-only session in the copy's snapshot, so that unmasked values never
// leave the source — not onto the wire, not onto the target's disk. Each part (personal data
// options, credentials, …) gives a transform per table; a table's transforms run in the order of
// STREAM_PARTS, composed (codec.ts composeTransforms); a part may also read each row as it left
// the source, before any part wrote (custom rules' filters: the SQL path captures their rows before
// the options run). What stays SQL after the load (mail servers, crons, base URL, custom rules the
// stream cannot apply exactly, …) runs in the sanitizing step, as on the dump path.
import type pg from 'pg';
import { AppError, ErrorCode, type ClonePlan, type SanitizationOptionKey, type StreamMasking } from '@oec/shared';
import { attachmentStream, describeAfterLoad, optionsToRun, PERSONAL_OPTIONS, prepareRuleStream, prepareStreamCredentials, prepareStreamMasking, type MaskingBudget, type SnapshotSessions } from '../../sanitize/index.js';
import type { TaskContext } from '../../tasks/types.js';
import { composeTransforms, type RowTransform, type RowTransformFactory } from './codec.js';
import { beginInSnapshot } from './source.js';
import type { CopyTuning } from './tuning.js';

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
  /** The transforms of a public table's rows (its COPY columns in order). */
  transformsFor(table: string, columns: readonly string[]): PartTransforms;
  /** Fields (or rows) rewritten so far, by option or rule. */
  counts(): Record<string, number>;
  /** Source values found in rows after the transform. */
  leaks(): StreamPartLeak[];
  /** What the sanitizing step must know of this part's work (custom rules applied here). */
  carried?(): Partial<StreamMasking>;
  /** For the log, once prepared: what it leaves to SQL after the load. */
  notes?: readonly string[];
}

export interface PartTransforms {
  /** Reads (never writes) each row as it left the source, before any part's `row`; runs first. */
  source?: RowTransform | null;
  /** Rewrites the row (or leaves it out) after the earlier parts, in STREAM_PARTS order. */
  row: RowTransform | null;
}

export interface StreamPartInput {
  plan: ClonePlan;
  /** More sessions in the same snapshot. */
  sessions: SnapshotSessions;
  /** The personal and credential options in the order the SQL path applies them. */
  order: readonly SanitizationOptionKey[];
  /** What the personal data masking may hold in memory (the agent's budget, tuning.ts). */
  budget: MaskingBudget;
}

type Preparer = (client: pg.ClientBase, input: StreamPartInput) => Promise<StreamPart | null>;

/** The parts, in the order a row passes through them. */
const STREAM_PARTS: readonly Preparer[] = [
  async (client, { plan, order, sessions, budget }) => {
    const personal = order.filter((k) => PERSONAL_OPTIONS.has(k));
    if (personal.length === 0) return null;
    const m = await prepareStreamMasking(client, { options: plan.sanitization.options, order: personal, salt: plan.sanitization.salt, sessions, budget });
    if (!m) return null;
    const held = m.captured();
    return {
      label: `${m.map.columns.length} personal columns, ${m.map.textColumns.length} text columns searched by value; ${held.values} source values held as ${Math.ceil(held.bytes / 1024)} kB of hashes, ${held.names} names`,
      transformsFor: (t, c) => ({ row: m.transformFor(t, c) }),
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
      transformsFor: (t, c) => ({ row: a.transformFor(t, c) }),
      counts: () => ({ replace_sensitive_attachments: a.rewritten() }),
      leaks: () => [],
    };
  },
  async (client, { plan }) => {
    const c = await prepareStreamCredentials(client, plan.sanitization.options);
    return { label: c.label, transformsFor: (t, cols) => ({ row: c.transformFor(t, cols) }), counts: () => c.counts(), leaks: () => c.leaks() };
  },
  // after the options: a rule's value wins over an option's, as on the SQL path
  async (client, { plan }) => {
    const rules = plan.custom_rules ?? [];
    const r = await prepareRuleStream(client, { rules, salt: plan.sanitization.salt });
    if (!r) return null;
    return {
      label: `${r.inStream.length} of ${rules.length} custom rules (${r.afterLoad.length} after the load)`,
      transformsFor: (t, c) => r.transformsFor(t, c) ?? { row: null },
      counts: () => Object.fromEntries(r.applied().map((a) => [`rule ${a.rule_index}`, a.affected_rows])),
      leaks: () => [],
      carried: () => ({ rules: r.applied() }),
      notes: describeAfterLoad(rules, r),
    };
  },
];

export interface PlannedTransform {
  factory: RowTransformFactory | null;
  /**
   * After the last row: fail when a source value was found in what was written; log the counts;
   * what the sanitizing step must know (undefined when nothing was masked in the stream).
   */
  finish(): StreamMasking | undefined;
}

const NONE: PlannedTransform = { factory: null, finish: () => undefined };

/**
 * Where the parts read the values to mask: the source (the COPY path, its sessions niced), or the
 * copy-on-write clone's own database, which holds them until in-place.ts rewrites its rows.
 */
export interface TransformSource {
  /** null: the plan's source. */
  database: string | null;
  step: 'backing_up_database' | 'sanitizing';
  /** How the log line after the last row begins. */
  done: string;
}

const SOURCE: TransformSource = { database: null, step: 'backing_up_database', done: 'Masked in stream before any row reached the target' };

/** A table's transforms: every part's source reader first, then the parts' rewrites in order. */
function tableTransform(parts: readonly StreamPart[], table: string, columns: readonly string[]): RowTransform | null {
  const each = parts.map((p) => p.transformsFor(table, columns));
  return composeTransforms([...each.map((e) => e.source ?? null), ...each.map((e) => e.row)]);
}

/** A read-only transaction in `snapshot` (jit off: the capture's many small plans). */
async function inSnapshot(client: pg.ClientBase, snapshot: string | null): Promise<void> {
  await beginInSnapshot(client, snapshot);
  await client.query(`SELECT set_config('jit', 'off', true)`);
}

/**
 * Prepare the parts in `snapshot` (null: a snapshot of this moment, shared by the sessions the
 * capture opens); `jobs` sessions at most read the source's values side by side, within the
 * tuning's masking budget.
 */
export async function planTransform(
  plan: ClonePlan,
  ctx: TaskContext,
  snapshot: string | null,
  tuning: Pick<CopyTuning, 'jobs' | 'masking'>,
  where: TransformSource = SOURCE,
): Promise<PlannedTransform> {
  const { jobs, masking: budget } = tuning;
  const { step } = where;
  const database = where.database ?? plan.source.db_name;
  const lower = async (c: pg.ClientBase): Promise<void> => {
    if (where.database === null) await ctx.runtime.lowerSessionPriority?.(c);
  };
  const order = optionsToRun(plan.sanitization.options).map((o) => o.key);
  const parts = await ctx.runtime.withDatabase(database, async (client) => {
    await inSnapshot(client, snapshot);
    await lower(client);
    try {
      const shared = jobs > 1 ? (snapshot ?? (await client.query<{ s: string }>('SELECT pg_export_snapshot() AS s')).rows[0]!.s) : snapshot;
      const sessions: SnapshotSessions = {
        jobs,
        run: (fn) =>
          ctx.runtime.withDatabase(database, async (c) => {
            await inSnapshot(c, shared);
            await lower(c);
            try {
              return await fn(c);
            } finally {
              await c.query('ROLLBACK').catch(() => undefined);
            }
          }),
      };
      const ready: StreamPart[] = [];
      for (const prepare of STREAM_PARTS) {
        const part = await prepare(client, { plan, order, sessions, budget });
        if (part) ready.push(part);
      }
      return ready;
    } finally {
      await client.query('ROLLBACK').catch(() => undefined);
    }
  });
  if (parts.length === 0) return NONE;
  for (const p of parts) ctx.log('INFO', `In-stream masking: ${p.label}`, step);
  for (const note of parts.flatMap((p) => p.notes ?? [])) ctx.log('INFO', note, step);
  return {
    factory: (t) => (t.schema === 'public' ? tableTransform(parts, t.name, t.columns) : null),
    finish: () => {
      const masked = parts
        .flatMap((p) => Object.entries(p.counts()))
        .map(([o, n]) => `${o} ${n}`)
        .join(', ');
      ctx.log('INFO', `${where.done}: ${masked || 'nothing to mask'}`, step);
      const leaks = parts.flatMap((p) => p.leaks());
      if (leaks.length === 0) return { rules: parts.flatMap((p) => p.carried?.().rules ?? []) };
      const found = leaks.map((l) => `${l.table}.${l.column} (${l.count})`).join(', ');
      throw new AppError(ErrorCode.PROOF_FAILED, `in-stream masking left source values in ${found}`, {
        failed_checks: leaks.map((l) => ({ option_key: l.option, check: 'no source value in the rows written (searched by value)', passed: false, violations: l.count, detail: `${l.table}.${l.column}` })),
      });
    },
  };
}
