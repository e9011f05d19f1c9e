// Projects group environments inside an organization.
import { z } from 'zod';
import { timestampSchema } from './common.js';

export const createProjectSchema = z.object({
  organization_id: z.string().uuid(),
  name: z.string().trim().min(1).max(120),
  repository_url: z.string().trim().max(500).optional(),
});
export type CreateProject = z.infer<typeof createProjectSchema>;

export const projectSchema = z.object({
  id: z.string().uuid(),
  organization_id: z.string().uuid(),
  name: z.string(),
  repository_url: z.string().nullable(),
  /** A clone fails before it starts while a column that looks personal is covered by no option. */
  sanitization_strict: z.boolean(),
  /** Columns (`table.column`) marked as kept on purpose: never reported as uncovered. */
  personal_data_kept: z.array(z.string()),
  created_at: timestampSchema,
});
export type Project = z.infer<typeof projectSchema>;

/** `table.column`, as PostgreSQL names them (no quoting, no schema). */
export const columnRefSchema = z.string().trim().regex(/^[A-Za-z_][A-Za-z0-9_]{0,62}\.[A-Za-z_][A-Za-z0-9_]{0,62}$/, 'expected table.column');

/** PATCH /projects/{id}: the project's sanitization settings (admin role). */
export const updateProjectSchema = z
  .object({
    sanitization_strict: z.boolean().optional(),
    personal_data_kept: z.array(columnRefSchema).max(1000).optional(),
  })
  .strict();
export type UpdateProject = z.infer<typeof updateProjectSchema>;
