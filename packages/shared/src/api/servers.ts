// Servers (machines running an agent), their enrollment and their reported facts.
import { z } from 'zod';
import { timestampSchema } from './common.js';

export const SERVER_STATUSES = ['PENDING', 'RUNNING', 'UNREACHABLE'] as const;
export const serverStatusSchema = z.enum(SERVER_STATUSES);
export type ServerStatus = z.infer<typeof serverStatusSchema>;

export const RUNTIMES = ['local', 'docker'] as const;
export const runtimeSchema = z.enum(RUNTIMES);
export type RuntimeKind = z.infer<typeof runtimeSchema>;

export const createServerSchema = z.object({
  organization_id: z.string().uuid(),
  name: z.string().trim().min(1).max(120),
  clone_concurrency: z.number().int().min(1).max(16).optional(),
});
export type CreateServer = z.infer<typeof createServerSchema>;

/**
 * Whether the agent's data root can clone files copy-on-write (a real FICLONE test there): what
 * same-server copy-on-write clones need. `filesystem` is absent when the root could not be stat'ed.
 */
export const cowFactsSchema = z.object({
  available: z.boolean(),
  filesystem: z.string().optional(),
  reason: z.string(),
  /**
   * The runtime also swaps whole clusters, so a replace takes the copy-on-write path too (its new
   * data in a second cluster beside the target's, swapped in at the end); absent: create_new only.
   */
  replace: z.boolean().optional(),
  /**
   * The data root is btrfs and its `btrfs` tool answers: environments' filestores are subvolumes,
   * which a copy-on-write clone snapshots whole (at any number of files) rather than file by file.
   */
  filestore_snapshots: z.boolean().optional(),
});
export type CowFacts = z.infer<typeof cowFactsSchema>;

/** What an agent reports about its machine at registration and in heartbeats. */
export const serverFactsSchema = z.object({
  hostname: z.string(),
  runtime: runtimeSchema,
  agent_version: z.string(),
  disk_total_bytes: z.number().nonnegative(),
  disk_free_bytes: z.number().nonnegative(),
  pg_version: z.string().nullable(),
  tools: z.record(z.string().nullable()),
  bufferutil: z.boolean(),
  peer_url: z.string().nullable(),
  tls_fingerprint: z.string().nullable(),
  /** PEM of the peer endpoint's certificate (public): the source agent trusts exactly it. */
  tls_certificate: z.string().nullable().optional(),
  /** Copy-on-write clones on the data root; absent from agents older than issue 19, null when not probed. */
  cow: cowFactsSchema.nullable().optional(),
});
export type ServerFacts = z.infer<typeof serverFactsSchema>;

export const serverSchema = z.object({
  id: z.string().uuid(),
  organization_id: z.string().uuid(),
  name: z.string(),
  status: serverStatusSchema,
  clone_concurrency: z.number().int(),
  facts: serverFactsSchema.nullable(),
  disk: z.object({ free_bytes: z.number(), total_bytes: z.number() }).nullable(),
  last_seen_at: timestampSchema.nullable(),
  created_at: timestampSchema,
});
export type Server = z.infer<typeof serverSchema>;

/** The create response carries the one-time enrollment token; it is never shown again. */
export const createServerResponseSchema = serverSchema.extend({ agent_token: z.string() });
export type CreateServerResponse = z.infer<typeof createServerResponseSchema>;
