// Organizations, members and usage against quota.
import { z } from 'zod';
import { quotaSchema, roleSchema, timestampSchema } from './common.js';

export const createOrganizationSchema = z.object({
  name: z.string().trim().min(1).max(120),
  quota: quotaSchema.optional(),
});
export type CreateOrganization = z.infer<typeof createOrganizationSchema>;

export const organizationSchema = z.object({
  id: z.string().uuid(),
  name: z.string(),
  quota: quotaSchema,
  role: roleSchema.nullable(),
  created_at: timestampSchema,
});
export type Organization = z.infer<typeof organizationSchema>;

export const addMemberSchema = z.object({
  email: z.string().trim().toLowerCase().email(),
  role: roleSchema,
});
export type AddMember = z.infer<typeof addMemberSchema>;

export const memberSchema = z.object({
  user_id: z.string().uuid(),
  email: z.string(),
  role: roleSchema,
  active: z.boolean(),
});
export type Member = z.infer<typeof memberSchema>;

const usageLine = z.object({ used: z.number(), limit: z.number(), percent: z.number() });
export const usageSchema = z.object({
  organization_id: z.string().uuid(),
  cpu: usageLine,
  ram_gb: usageLine,
  disk_gb: usageLine,
  environments: usageLine,
});
export type Usage = z.infer<typeof usageSchema>;
