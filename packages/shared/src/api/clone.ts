// The clone API: request, operation status, cancel/retry responses, logs and the estimate.
import { z } from 'zod';
import { personalCoverageSchema } from '../personal-data.js';
import { ruleImpactSchema, ruleResultSchema } from '../sanitization-rules.js';
import { ErrorCode, errorCodeSchema } from '../errors.js';
import { domainSchema, environmentNameSchema } from '../identifiers.js';
import {
  presetSchema,
  proofSchema,
  sanitizationOptionsSchema,
  sanitizationOverridesSchema,
  sanitizationKeySchema,
  sanitizationResultSchema,
} from '../sanitization.js';
import { stepKeySchema } from '../steps.js';
import { ENVIRONMENT_STATUSES, environmentTypeSchema } from './environments.js';
import { timestampSchema } from './common.js';

export const cloneTargetNewSchema = z
  .object({
    create_new: z.literal(true),
    name: environmentNameSchema.optional(),
    environment_type: environmentTypeSchema,
    vm_id: z.string().uuid().optional(),
    domain: domainSchema.optional(),
  })
  .strict();

export const cloneTargetReplaceSchema = z
  .object({
    create_new: z.literal(false),
    environment_id: z.string().uuid(),
    confirm_name: z.string(),
  })
  .strict();

export const cloneTargetSchema = z.discriminatedUnion('create_new', [cloneTargetNewSchema, cloneTargetReplaceSchema]);
export type CloneTarget = z.infer<typeof cloneTargetSchema>;

export const cloneRequestSchema = z
  .object({
    target: cloneTargetSchema,
    /** Default `recommended`, except for a production-type target, which must name one. */
    sanitization_preset: presetSchema.optional(),
    sanitization_options: sanitizationOverridesSchema.optional(),
    include_filestore: z.boolean().default(true),
    acknowledge_risks: z.boolean().default(false),
    options: z
      .object({ compress: z.boolean().default(false), parallel_transfer: z.boolean().default(true) })
      .strict()
      .default({}),
  })
  .strict();
export type CloneRequest = z.input<typeof cloneRequestSchema>;
export type ParsedCloneRequest = z.output<typeof cloneRequestSchema>;

export const CLONE_MODES = ['create_new', 'replace'] as const;
export const cloneModeSchema = z.enum(CLONE_MODES);

/*
 * Operation status:
 *   pending ──► <step key> … ──► completed
 *      │            │
 *      │            ├──► failed     (error set; created objects removed; retry allowed)
 *      └────────────┴──► cancelled  (accepted before `sanitizing`; rollback shown as cleanup)
 */
export const TERMINAL_STATUSES = ['completed', 'failed', 'cancelled'] as const;
export const cloneStatusSchema = z.union([z.enum(['pending', ...TERMINAL_STATUSES]), stepKeySchema]);
export type CloneStatus = z.infer<typeof cloneStatusSchema>;

export const STEP_STATUSES = ['pending', 'in_progress', 'completed', 'skipped', 'failed', 'cancelled'] as const;
export const stepStatusSchema = z.enum(STEP_STATUSES);
export type StepStatus = z.infer<typeof stepStatusSchema>;

/** The option (or phase) and table a sanitizing step is on, with that table's rows done of its estimate. */
export const sanitizingNowSchema = z.object({
  option: z.string(),
  table: z.string().nullable(),
  rows_done: z.number().nullable(),
  rows_total: z.number().nullable(),
});
export type SanitizingNow = z.infer<typeof sanitizingNowSchema>;

export const stepDetailSchema = z.object({
  message: z.string().nullable(),
  bytes_done: z.number().nullable(),
  bytes_total: z.number().nullable(),
  items_done: z.number().nullable(),
  items_total: z.number().nullable(),
  /**
   * Rows of the step's work done and estimated (sanitizing: every option's table passes, weighted
   * by the tables' rows); absent for steps that count bytes or items.
   */
  rows_done: z.number().nullable().optional(),
  rows_total: z.number().nullable().optional(),
  /** What the step works on now (sanitizing: an option, or capture/custom_rules/proof, and its table). */
  current: sanitizingNowSchema.nullable().optional(),
});
export type StepDetail = z.infer<typeof stepDetailSchema>;

export const stepStateSchema = z.object({
  key: stepKeySchema,
  name: z.string(),
  status: stepStatusSchema,
  progress_percent: z.number().min(0).max(100),
  started_at: timestampSchema.nullable(),
  duration_seconds: z.number().nullable(),
  detail: stepDetailSchema,
});
export type StepState = z.infer<typeof stepStateSchema>;

export const operationErrorSchema = z.object({
  code: errorCodeSchema,
  step: stepKeySchema.nullable(),
  message: z.string(),
  details: z.record(z.unknown()).nullable(),
  retryable: z
    .boolean()
    .describe(
      'Whether POST /clone-operations/{id}/retry accepts this operation now (exactly retryRefusal(op) === null): ' +
        'true for a failed or cancelled operation once its cleanup is no longer pending. A code that is not ' +
        'transient (RESTORE_FAILED, DISK_FULL, SANITIZATION_FAILED, PROOF_FAILED) is retried once its cause is fixed.',
    ),
});
export type OperationError = z.infer<typeof operationErrorSchema>;

export const CLEANUP_STATES = ['none', 'pending', 'done', 'failed'] as const;
export type CleanupState = (typeof CLEANUP_STATES)[number];

/**
 * Why POST /clone-operations/{id}/retry refuses the operation now (CANNOT_RETRY), or null when it
 * accepts it. The operation's `error.retryable` is this very test, so the flag and the endpoint
 * agree on every read. The error code does not decide: the seed retries a failed restore or a full
 * disk once the cause is fixed; whether repeating as is may succeed is ERROR_META[code].retryable,
 * which clients show as a hint. The retry is then checked like any clone request (source status,
 * quota, disk, leases).
 */
export function retryRefusal(op: { status: CloneStatus; cleanup: CleanupState }): string | null {
  if (op.status !== 'failed' && op.status !== 'cancelled') {
    return `Only a failed or cancelled clone operation can be retried (this one is ${op.status})`;
  }
  if (op.cleanup === 'pending') return 'The operation is still cleaning up; retry once its cleanup is done';
  return null;
}

/** The target's status as an operation shows it: the environment's, or REMOVED once it is gone. */
export const OPERATION_TARGET_STATUSES = [...ENVIRONMENT_STATUSES, 'REMOVED'] as const;
export const operationTargetStatusSchema = z.enum(OPERATION_TARGET_STATUSES);
export type OperationTargetStatus = z.infer<typeof operationTargetStatusSchema>;

export const cloneOperationSchema = z.object({
  id: z.string().uuid(),
  source_environment_id: z.string().uuid(),
  target_environment_id: z.string().uuid(),
  target: z.object({
    id: z.string().uuid(),
    name: z.string(),
    url: z.string(),
    status: operationTargetStatusSchema.describe(
      'The target environment\'s status now, as GET /environments/{id} shows it; REMOVED once the environment ' +
        'no longer exists (cleanup removed a failed or cancelled create_new target, or it was deleted later). ' +
        'A replace target keeps its own status (RUNNING on its old data after a failed clone).',
    ),
    /** True when status is REMOVED: the target's id answers 404. */
    removed: z.boolean(),
  }),
  mode: cloneModeSchema,
  cross_server: z.boolean(),
  status: cloneStatusSchema,
  progress: z.object({
    current_step: stepKeySchema.nullable(),
    progress_percent: z.number().min(0).max(100),
    elapsed_seconds: z.number(),
    eta_seconds: z.number().nullable(),
    steps: z.array(stepStateSchema),
  }),
  sanitization_preset: presetSchema,
  sanitization_options: sanitizationOptionsSchema,
  sanitization_result: z.array(sanitizationResultSchema),
  proof: proofSchema.nullable(),
  /** Per custom rule of the project: rows masked, or skipped with the reason. */
  sanitization_rule_results: z.array(ruleResultSchema).default([]),
  include_filestore: z.boolean(),
  options: z.object({ compress: z.boolean(), parallel_transfer: z.boolean() }),
  /** Shown once, to the requester, when reset_passwords ran; never stored in clear. */
  generated_password: z.string().nullable().optional(),
  error: operationErrorSchema.nullable(),
  cleanup: z.enum(CLEANUP_STATES),
  retry_of: z.string().uuid().nullable(),
  requested_by: z.string().uuid(),
  started_at: timestampSchema,
  finished_at: timestampSchema.nullable(),
  duration_seconds: z.number().nullable(),
});
export type CloneOperation = z.infer<typeof cloneOperationSchema>;

export const cancelResponseSchema = z.object({
  message: z.string(),
  clone_operation_id: z.string().uuid(),
  status: z.literal('cancelled'),
});
export type CancelResponse = z.infer<typeof cancelResponseSchema>;

export const LOG_LEVELS = ['INFO', 'WARNING', 'ERROR'] as const;
export const logLevelSchema = z.enum(LOG_LEVELS);
export type LogLevel = z.infer<typeof logLevelSchema>;

export const logEntrySchema = z.object({
  id: z.number().int(),
  ts: timestampSchema,
  level: logLevelSchema,
  step: stepKeySchema.nullable(),
  message: z.string(),
});
export type LogEntry = z.infer<typeof logEntrySchema>;

export const logsQuerySchema = z.object({
  // A log id (bigserial) read as a JS number: `1e308` is an integer to zod but no bigint to
  // PostgreSQL (a 500 the fuzz suite found), so the cursor stops at the largest exact integer.
  after: z.coerce.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
});
export const logsResponseSchema = z.object({ items: z.array(logEntrySchema), next_cursor: z.number().int() });
export type LogsResponse = z.infer<typeof logsResponseSchema>;

export const clonePathSchema = z.object({
  kind: z.enum(['copy_on_write', 'copy', 'dump_restore']),
  reason: z.string(),
});
export type ClonePath = z.infer<typeof clonePathSchema>;

export const estimateSchema = z.object({
  source_environment_id: z.string().uuid(),
  database_bytes: z.number(),
  filestore_bytes: z.number(),
  filestore_files: z.number(),
  required_bytes: z.number(),
  estimated_size_bytes: z.number(),
  estimated_duration_seconds: z.number(),
  sanitization_preset: presetSchema,
  sanitization_options: sanitizationOptionsSchema,
  impact: z.array(
    z.object({ option_key: sanitizationKeySchema, rows: z.number(), approximate: z.boolean(), summary: z.string() }),
  ),
  total_records: z.number(),
  api_keys_found: z.number(),
  /** Which columns look personal and which of them the chosen options leave as they are. */
  personal_data: personalCoverageSchema,
  /** The project's custom rules: rows each would touch on the source (or why it would be skipped). */
  rule_impact: z.array(ruleImpactSchema).default([]),
  quota: z.object({ ok: z.boolean(), message: z.string() }),
  disk: z.object({ ok: z.boolean(), message: z.string(), free_bytes: z.number().nullable() }),
  /**
   * How the data would travel and why: `copy_on_write` (an instant snapshot of the running
   * cluster, same server, where the server clones files), `copy` (table by table, masked in the
   * stream) or `dump_restore`. Absent from estimates stored before it existed.
   */
  data_path: clonePathSchema.optional(),
});
export type Estimate = z.infer<typeof estimateSchema>;

export const FAILURE_CODES = [
  ErrorCode.SOURCE_UNREACHABLE,
  ErrorCode.TRANSFER_FAILED,
  ErrorCode.RESTORE_FAILED,
  ErrorCode.DISK_FULL,
  ErrorCode.SANITIZATION_FAILED,
  ErrorCode.PROOF_FAILED,
  ErrorCode.VERIFICATION_FAILED,
  ErrorCode.AGENT_LOST,
  ErrorCode.CANCELLED,
] as const;
