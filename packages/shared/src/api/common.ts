// Shared pieces of API payloads: roles, permissions, resources and list envelopes.
import { z } from 'zod';

export const Permission = {
  ENVIRONMENTS_READ: 'project.environments.read',
  ENVIRONMENTS_CREATE: 'project.environments.create',
  ENVIRONMENTS_UPDATE: 'project.environments.update',
  ENVIRONMENTS_DELETE: 'project.environments.delete',
  PROJECTS_MANAGE: 'organization.projects.manage',
  MEMBERS_MANAGE: 'organization.members.manage',
  SERVERS_MANAGE: 'organization.servers.manage',
} as const;
export type Permission = (typeof Permission)[keyof typeof Permission];

export const ROLES = ['owner', 'admin', 'developer', 'viewer'] as const;
export type Role = (typeof ROLES)[number];
export const roleSchema = z.enum(ROLES);

/** What each organization role grants. Platform admins are a user flag, not a role. */
export const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = {
  owner: Object.values(Permission),
  admin: Object.values(Permission),
  developer: [Permission.ENVIRONMENTS_READ, Permission.ENVIRONMENTS_CREATE, Permission.ENVIRONMENTS_UPDATE],
  viewer: [Permission.ENVIRONMENTS_READ],
};

export const resourcesSchema = z.object({
  cpu: z.number().positive().max(256),
  ram_gb: z.number().positive().max(4096),
  disk_gb: z.number().positive().max(65536),
});
export type Resources = z.infer<typeof resourcesSchema>;

export const quotaSchema = resourcesSchema.extend({ environments: z.number().int().positive().max(10000) });
export type Quota = z.infer<typeof quotaSchema>;

export const timestampSchema = z.string();

export function listOf<T extends z.ZodTypeAny>(item: T) {
  return z.object({ items: z.array(item) });
}
