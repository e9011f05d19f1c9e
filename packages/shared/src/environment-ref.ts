// How agents name an environment: its id and the database name derived from it.
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
