// The task catalogue: every kind of work the controller asks an agent to do, with the schema of
// its input and of its output. Frames carry input/output as opaque JSON; each side parses them
// with the kind's schema here, once, at the edge.
import { z } from 'zod';
import { CLONE_TASKS } from './clone-tasks.js';
import { environmentRefSchema, environmentSpecSchema } from './environment-ref.js';
import { agentReconcileInputSchema, agentReconcileOutputSchema } from './reconcile-task.js';

export * from './environment-ref.js';
export * from './reconcile-task.js';

export const environmentLocationSchema = z.object({
  db_name: z.string(),
  filestore_path: z.string(),
  addons_path: z.string(),
  connection: z.object({ host: z.string(), port: z.number().int(), database: z.string(), user: z.string() }),
});
export type EnvironmentLocation = z.infer<typeof environmentLocationSchema>;

export const environmentSizesSchema = z.object({
  exists: z.boolean(),
  database_bytes: z.number(),
  filestore_bytes: z.number(),
  filestore_files: z.number(),
  addons_bytes: z.number(),
  /**
   * Why a copy-on-write clone cannot read this environment's data although its server clones
   * files (its PostgreSQL data in a Docker volume on another filesystem); null or absent: it can.
   */
  cow_source_unavailable: z.string().nullable().optional(),
  /** Why a copy-on-write replace cannot swap clusters into this environment (its data not in `<env>/postgres/data`); null or absent: it can. */
  cow_replace_unavailable: z.string().nullable().optional(),
});
export type EnvironmentSizes = z.infer<typeof environmentSizesSchema>;

const ok = z.object({ ok: z.literal(true) });

export const TASKS = {
  ...CLONE_TASKS,
  'env.create': { input: environmentSpecSchema, output: environmentLocationSchema },
  'env.start': { input: environmentRefSchema, output: ok },
  'env.stop': { input: environmentRefSchema, output: ok },
  'env.destroy': { input: environmentRefSchema, output: ok },
  'env.inspect': { input: environmentRefSchema, output: environmentSizesSchema },
  'agent.reconcile': { input: agentReconcileInputSchema, output: agentReconcileOutputSchema },
} as const;

export type TaskKind = keyof typeof TASKS;
export const TASK_KINDS = Object.keys(TASKS) as [TaskKind, ...TaskKind[]];
export const taskKindSchema = z.enum(TASK_KINDS);
export type TaskInput<K extends TaskKind> = z.infer<(typeof TASKS)[K]['input']>;
export type TaskOutput<K extends TaskKind> = z.infer<(typeof TASKS)[K]['output']>;
