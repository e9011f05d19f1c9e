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
  created_at: timestampSchema,
});
export type Project = z.infer<typeof projectSchema>;
