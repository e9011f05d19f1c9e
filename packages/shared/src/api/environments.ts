// Environments: an Odoo instance (database, filestore, addons) on a server.
import { z } from 'zod';
import { domainSchema, environmentNameSchema } from '../identifiers.js';
import { resourcesSchema, timestampSchema } from './common.js';

export const ENVIRONMENT_TYPES = ['development', 'staging', 'production'] as const;
export const environmentTypeSchema = z.enum(ENVIRONMENT_TYPES);
export type EnvironmentType = z.infer<typeof environmentTypeSchema>;

/*
 * Environment status:
 *   CREATING ──► RUNNING ◄──► STOPPED
 *      │            │  ▲          │
 *      │            ▼  │          ▼
 *      │        DEPLOYING     DESTROYING ──► (row deleted)
 *      ▼
 *    FAILED  (creation or clone failed; kept for debugging, can be destroyed)
 * CLONING marks a replace target while a clone writes into it.
 */
export const ENVIRONMENT_STATUSES = [
  'CREATING',
  'RUNNING',
  'STOPPED',
  'DEPLOYING',
  'CLONING',
  'DESTROYING',
  'FAILED',
] as const;
export const environmentStatusSchema = z.enum(ENVIRONMENT_STATUSES);
export type EnvironmentStatus = z.infer<typeof environmentStatusSchema>;

export const ADDON_SOURCE_KINDS = ['platform', 'organization', 'project', 'extra'] as const;
export const addonSourceSchema = z.object({
  kind: z.enum(ADDON_SOURCE_KINDS),
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'letters, digits, ".", "_" and "-" only'),
  repository_url: z.string().max(500).nullable().default(null),
  ref: z.string().max(200).nullable().default(null),
});
export type AddonSource = z.infer<typeof addonSourceSchema>;

export const createEnvironmentSchema = z.object({
  name: environmentNameSchema,
  environment_type: environmentTypeSchema,
  server_id: z.string().uuid(),
  domain: domainSchema.optional(),
  odoo_version: z.string().regex(/^\d+\.\d+$/).default('17.0'),
  resources: resourcesSchema.default({ cpu: 1, ram_gb: 2, disk_gb: 10 }),
  addons: z.array(addonSourceSchema).max(20).default([]),
});
export type CreateEnvironment = z.input<typeof createEnvironmentSchema>;

export const connectionSchema = z.object({
  host: z.string(),
  port: z.number().int(),
  database: z.string(),
  user: z.string(),
});

export const environmentSchema = z.object({
  id: z.string().uuid(),
  project_id: z.string().uuid(),
  name: z.string(),
  type: environmentTypeSchema,
  status: environmentStatusSchema,
  domain: z.string(),
  url: z.string(),
  server_id: z.string().uuid(),
  odoo_version: z.string(),
  database_name: z.string(),
  filestore_path: z.string().nullable(),
  addons: z.array(addonSourceSchema),
  resources: resourcesSchema,
  /** Present only for organization admins. */
  connection: connectionSchema.nullable().optional(),
  created_at: timestampSchema,
  updated_at: timestampSchema,
});
export type Environment = z.infer<typeof environmentSchema>;
