// The clone plan the controller hands to agents and the input/output of each clone task.
// One plan travels with every task of an operation, so each task is self-contained and
// re-runnable (steps are idempotent); names in it derive from ids (identifiers.ts).
import { z } from 'zod';
import { personalColumnSchema } from './personal-data.js';
import { ruleImpactSchema, ruleResultSchema, sanitizationRulesSchema, sensitiveModelsSchema } from './sanitization-rules.js';
import {
  sanitizationOptionsSchema,
  proofSchema,
  sanitizationResultSchema,
  presetSchema,
  sanitizationKeySchema,
} from './sanitization.js';
import { environmentRefSchema, environmentSpecSchema } from './environment-ref.js';
import { announcedTicketSchema, peerEndpointSchema, peerTicketSchema, streamNameSchema, wireCodecSchema } from './peer.js';

const dbName = z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/);

export const clonePlanSchema = z.object({
  operation_id: z.string().uuid(),
  mode: z.enum(['create_new', 'replace']),
  source: environmentRefSchema.extend({ status: z.enum(['RUNNING', 'STOPPED']) }),
  target: environmentSpecSchema,
  /** The database the restore writes into: the target's own (create_new) or a sibling (replace). */
  work_db: dbName,
  /** replace: the name the target's old data takes at the swap; kept for the retention period. */
  retained_db: dbName.nullable(),
  /** replace: whether the target's app was running before (restored after a failed swap). */
  target_running: z.boolean().default(false),
  include_filestore: z.boolean(),
  compress: z.boolean(),
  /**
   * Cross-server: the servers' names (for logs). Null on one server: then every task runs on it;
   * otherwise validate runs on the source's, transfers on both, everything else on the target's.
   */
  servers: z.object({ source: z.string(), target: z.string() }).nullable().default(null),
  /**
   * Cross-server: environments of the same project on the target's server whose filestores may
   * already hold files of this clone (an earlier clone, the replaced target); re-hashed before use.
   */
  donors: z.array(environmentRefSchema).default([]),
  /**
   * How the database travels: `dump_restore` (pg_dump | pg_restore, then the sanitizer's UPDATEs)
   * or `copy` (schema sections by pg_dump, every table's rows by COPY through a row transform in one
   * snapshot, so masking can happen before the rows reach the target; decision 0012) or `cow` (same
   * server, a cluster per environment on a filesystem that clones files: the source's running
   * cluster snapshotted with the backup API and cloned copy-on-write, sanitized in SQL, the
   * masked tables rewritten and the old WAL removed; a replace's copy is a second cluster beside
   * the target's, swapped in whole; decision 0020).
   */
  data_path: z.enum(['dump_restore', 'copy', 'cow']).default('dump_restore'),
  sanitization: z.object({
    preset: presetSchema,
    options: sanitizationOptionsSchema,
    base_url: z.string(),
    salt: z.string().min(16),
  }),
  /** The project's custom sanitization rules, frozen when the clone was requested; applied in order. */
  custom_rules: sanitizationRulesSchema.optional(),
  /** The project's sensitive models (replace_sensitive_attachments), frozen like custom_rules. */
  sensitive_models: sensitiveModelsSchema.optional(),
});
export type ClonePlan = z.infer<typeof clonePlanSchema>;

export const cloneValidateOutputSchema = z.object({
  database_bytes: z.number(),
  filestore_bytes: z.number(),
  filestore_files: z.number(),
  addons_bytes: z.number(),
  pg_version: z.string(),
  odoo_version: z.string().nullable(),
  referenced_files: z.number(),
  missing_in_source: z.number(),
});
export type CloneValidateOutput = z.infer<typeof cloneValidateOutputSchema>;

export const cloneAddonsOutputSchema = z.object({ bytes: z.number(), files: z.number(), sources: z.number() });

/**
 * What the COPY path's in-stream masking did, carried from the data task (clone.data, or the
 * source's clone.send across servers) to clone.sanitize: the custom rules applied to the rows as
 * they were copied (not applied again after the load; `hash` is not idempotent) and their counts.
 */
export const streamMaskingSchema = z.object({
  rules: z.array(z.object({ rule_index: z.number().int().nonnegative(), affected_rows: z.number().int().nonnegative() })),
});
export type StreamMasking = z.infer<typeof streamMaskingSchema>;

export const cloneDataOutputSchema = z.object({
  database: z.object({
    method: z.enum(['template', 'stream', 'copy', 'cow']),
    bytes: z.number(),
    tables: z.number(),
  }),
  filestore: z
    .object({
      files: z.number(),
      bytes: z.number(),
      linked: z.number(),
      copied: z.number(),
      already_present: z.number(),
      missing_in_source: z.array(z.string()),
    })
    .nullable(),
  /** COPY path: what was masked in the stream (absent on the dump path and from older agents). */
  in_stream: streamMaskingSchema.optional(),
});
export type CloneDataOutput = z.infer<typeof cloneDataOutputSchema>;

/** clone.sanitize: the plan, and what the data task masked in the stream (COPY path). */
export const cloneSanitizeInputSchema = clonePlanSchema.extend({ in_stream: streamMaskingSchema.optional() });
export type CloneSanitizeInput = z.infer<typeof cloneSanitizeInputSchema>;

export const cloneSanitizeOutputSchema = z.object({
  results: z.array(sanitizationResultSchema),
  proof: proofSchema,
  totals: z.object({
    affected_rows: z.number(),
    duration_ms: z.number(),
    /** Where the time outside the options went (capture, map, identity, rules, proof, commit), ms; absent from older agents. */
    phases_ms: z.record(z.string(), z.number()).optional(),
  }),
  /** Only when reset_passwords ran: shown once to the requester, never persisted in clear. */
  generated_password: z.string().nullable(),
  /** Per custom rule: rows masked, or skipped with the reason. */
  rule_results: z.array(ruleResultSchema).optional(),
  /** Copy-on-write clones: the tables rewritten after masking and the WAL purge (absent elsewhere). */
  scrub: z.object({ tables: z.number(), rewrite_ms: z.number(), wal_ms: z.number() }).optional(),
});
export type CloneSanitizeOutput = z.infer<typeof cloneSanitizeOutputSchema>;

export const verifyCheckSchema = z.object({ name: z.string(), passed: z.boolean(), detail: z.string().nullable() });
export const cloneVerifyOutputSchema = z.object({
  checks: z.array(verifyCheckSchema),
  swapped: z.boolean(),
  app_healthy: z.boolean(),
});
export type CloneVerifyOutput = z.infer<typeof cloneVerifyOutputSchema>;

export const cloneCleanupInputSchema = clonePlanSchema.extend({
  /** create_new only: keep the target (stopped) for debugging instead of removing it. */
  keep_target: z.boolean().default(false),
});
export const cloneCleanupOutputSchema = z.object({ removed: z.array(z.string()), swapped_back: z.boolean() });

export const purgeRetainedInputSchema = environmentRefSchema.extend({ retained_db: dbName, operation_id: z.string().uuid() });

/**
 * Read-only impact estimate on the source database (the estimate endpoint): per enabled option
 * (clear_asset_bundles always) the rows it would touch, with `approximate` when a planner
 * estimate stood in for an exact count; total_records is the sum of rows; api_keys_found counts
 * the credential values clear_api_keys would clear (whether or not it is enabled).
 */
export const cloneEstimateInputSchema = environmentRefSchema.extend({
  options: sanitizationOptionsSchema,
  /** The project's custom rules: counted per rule, and the columns they name count as covered. */
  custom_rules: sanitizationRulesSchema.optional(),
  /** The project's sensitive models: replace_sensitive_attachments counts their attachments. */
  sensitive_models: sensitiveModelsSchema.optional(),
});
export const optionImpactSchema = z.object({
  option_key: sanitizationKeySchema,
  rows: z.number().nonnegative(),
  approximate: z.boolean(),
  summary: z.string(),
});
export const cloneEstimateOutputSchema = z.object({
  impact: z.array(optionImpactSchema),
  total_records: z.number().nonnegative(),
  api_keys_found: z.number().int().nonnegative(),
  /** The source's personal data map: every column that looks personal, covered or not. */
  personal_columns: z.array(personalColumnSchema).default([]),
  /** Per custom rule: the rows it would touch, or why it would be skipped. */
  rule_impact: z.array(ruleImpactSchema).optional(),
});
export type CloneEstimateOutput = z.infer<typeof cloneEstimateOutputSchema>;

/** One stream of a transfer as each side counts it. */
export const streamStatsSchema = z.object({
  stream: streamNameSchema,
  /** Bytes on the wire (after compression). */
  wire_bytes: z.number().nonnegative(),
  /** Bytes before compression (dump, tar stream, file contents). */
  raw_bytes: z.number().nonnegative(),
  /** Filestore: files sent (sender) or received (receiver). */
  files: z.number().int().nonnegative(),
  /** Filestore: files the target already held (verified) and did not need. */
  reused_files: z.number().int().nonnegative(),
  /** The sender's database stream on the COPY path: what was masked in the stream. */
  in_stream: streamMaskingSchema.optional(),
});
export type StreamStats = z.infer<typeof streamStatsSchema>;
export const transferOutputSchema = z.object({ streams: z.array(streamStatsSchema) });
export type TransferOutput = z.infer<typeof transferOutputSchema>;

/** Target side of a cross-server transfer: expect these streams (tickets by hash) and consume them. */
export const cloneReceiveInputSchema = clonePlanSchema.extend({
  transfer: z.object({ codec: wireCodecSchema, tickets: z.array(announcedTicketSchema).min(1).max(20) }),
});
export type CloneReceiveInput = z.infer<typeof cloneReceiveInputSchema>;
/** Source side: dial the target's peer endpoint once per ticket and push the stream. */
export const cloneSendInputSchema = clonePlanSchema.extend({
  transfer: z.object({ codec: wireCodecSchema, tickets: z.array(peerTicketSchema).min(1).max(20), peer: peerEndpointSchema }),
});
export type CloneSendInput = z.infer<typeof cloneSendInputSchema>;

export const CLONE_TASKS = {
  'clone.validate': { input: clonePlanSchema, output: cloneValidateOutputSchema },
  'clone.prepare': { input: clonePlanSchema, output: z.object({ ok: z.literal(true) }) },
  'clone.addons': { input: clonePlanSchema, output: cloneAddonsOutputSchema },
  'clone.data': { input: clonePlanSchema, output: cloneDataOutputSchema },
  'clone.send': { input: cloneSendInputSchema, output: transferOutputSchema },
  'clone.receive': { input: cloneReceiveInputSchema, output: transferOutputSchema },
  'clone.sanitize': { input: cloneSanitizeInputSchema, output: cloneSanitizeOutputSchema },
  'clone.verify': { input: clonePlanSchema, output: cloneVerifyOutputSchema },
  'clone.cleanup': { input: cloneCleanupInputSchema, output: cloneCleanupOutputSchema },
  'clone.purge_retained': { input: purgeRetainedInputSchema, output: z.object({ ok: z.literal(true) }) },
  'clone.estimate': { input: cloneEstimateInputSchema, output: cloneEstimateOutputSchema },
} as const;
