// The task catalogue: every kind of work the controller asks an agent to do, with the schema of
// its input and of its output. Frames carry input/output as opaque JSON; each side parses them
// with the kind's schema here, once, at the edge.
import { z } from 'zod';
import { addonSourceSchema } from './api/environments.js';

/** What an agent needs to know about an environment; names derive from ids (identifiers.ts). */
export const environmentRefSchema = z.object({
  environment_id: z.string().uuid(),
  db_name: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/),
});
export type EnvironmentRef = z.infer<typeof environmentRefSchema>;

export const environmentSpecSchema = environmentRefSchema.extend({
  name: z.string(),
  domain: z.string(),
  odoo_version: z.string(),
  addons: z.array(addonSourceSchema),
});
export type EnvironmentSpec = z.infer<typeof environmentSpecSchema>;

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
});
export type EnvironmentSizes = z.infer<typeof environmentSizesSchema>;

const ok = z.object({ ok: z.literal(true) });

export const TASKS = {
  'env.create': { input: environmentSpecSchema, output: environmentLocationSchema },
  'env.start': { input: environmentRefSchema, output: ok },
  'env.stop': { input: environmentRefSchema, output: ok },
  'env.destroy': { input: environmentRefSchema, output: ok },
  'env.inspect': { input: environmentRefSchema, output: environmentSizesSchema },
} as const;

export type TaskKind = keyof typeof TASKS;
export const TASK_KINDS = Object.keys(TASKS) as [TaskKind, ...TaskKind[]];
export const taskKindSchema = z.enum(TASK_KINDS);
export type TaskInput<K extends TaskKind> = z.infer<(typeof TASKS)[K]['input']>;
export type TaskOutput<K extends TaskKind> = z.infer<(typeof TASKS)[K]['output']>;
