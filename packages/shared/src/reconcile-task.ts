// agent.reconcile: sent by the controller once per agent (re)connect (decision 0017). It names the
// operations of that server that are live (not terminal, cleanup pending, or replaced data still
// retained: the agent touches nothing of them), recent operations that have ended for good, and
// every environment the controller knows (never touched). The agent removes the leftovers it
// can attribute to an ended operation and keeps (and reports) everything else.
import { z } from 'zod';

export const reconcileOperationSchema = z.object({
  operation_id: z.string().uuid(),
  attempt: z.number().int().nonnegative(),
  /** The environment the operation builds or replaces (its work objects live beside it). */
  target_environment_id: z.string().uuid(),
});
export type ReconcileOperation = z.infer<typeof reconcileOperationSchema>;

export const agentReconcileInputSchema = z.object({
  /** Live on this server: do not touch anything of these. */
  live: z.array(reconcileOperationSchema).max(100_000),
  /** Ended for good (terminal, cleanup no longer pending, nothing retained): their leftovers may go. */
  ended: z.array(reconcileOperationSchema).max(100_000),
  /** Every environment the controller knows (on any server): never touched. */
  environments: z.array(z.string().uuid()).max(100_000),
});
export type AgentReconcileInput = z.infer<typeof agentReconcileInputSchema>;

export const reconcileItemSchema = z.object({
  /** `database`, `directory`, `file`, `environment`. */
  kind: z.enum(['database', 'directory', 'file', 'environment']),
  /** The database name, or the path under the agent's data directory. */
  name: z.string(),
  operation_id: z.string().uuid().nullable(),
  environment_id: z.string().uuid().nullable(),
  /** Why it was removed or kept: `ended`, `live`, `running`, `unknown`, `known_environment`, `error: …`. */
  reason: z.string(),
});
export type ReconcileItem = z.infer<typeof reconcileItemSchema>;

export const agentReconcileOutputSchema = z.object({
  removed: z.array(reconcileItemSchema),
  kept: z.array(reconcileItemSchema),
});
export type AgentReconcileOutput = z.infer<typeof agentReconcileOutputSchema>;
