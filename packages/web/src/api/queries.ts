// The dashboard's reads, as TanStack Query hooks over the typed tRPC client.
import { useQuery } from '@tanstack/react-query';
import { ROLE_PERMISSIONS, Permission } from '@oec/shared';
import type { Organization } from '@oec/shared';
import { currentSession } from './session.js';
import { trpc } from './trpc.js';

export const useOrganizations = () => useQuery({ queryKey: ['organizations'], queryFn: () => trpc.organizations.list.query() });
export const useOrganization = (id: string | undefined) =>
  useQuery({ queryKey: ['organization', id], queryFn: () => trpc.organizations.get.query({ id: id ?? '' }), enabled: !!id });
export const useProjects = (organizationId?: string) =>
  useQuery({ queryKey: ['projects', organizationId ?? null], queryFn: () => trpc.projects.list.query(organizationId ? { organization_id: organizationId } : undefined) });
export const useProject = (id: string) =>
  useQuery({ queryKey: ['project', id], queryFn: () => trpc.projects.get.query({ id }), enabled: !!id });
export const useEnvironments = (projectId: string | undefined) =>
  useQuery({
    queryKey: ['environments', projectId],
    queryFn: () => trpc.environments.list.query({ project_id: projectId ?? '' }),
    enabled: !!projectId,
    refetchInterval: 5000,
  });
export const useEnvironment = (id: string) => useQuery({ queryKey: ['environment', id], queryFn: () => trpc.environments.get.query({ id }) });
export const useServers = (organizationId?: string) =>
  useQuery({
    queryKey: ['servers', organizationId ?? null],
    queryFn: () => trpc.servers.list.query(organizationId ? { organization_id: organizationId } : undefined),
    refetchInterval: 10_000,
  });
export const useMembers = (organizationId: string | undefined) =>
  useQuery({
    queryKey: ['members', organizationId],
    queryFn: () => trpc.organizations.members.query({ id: organizationId ?? '' }),
    enabled: !!organizationId,
    retry: false,
  });

/** Whether the signed-in user may clone in this organization (create or replace). */
export function canClone(org: Pick<Organization, 'role'> | undefined): boolean {
  if (currentSession()?.user.is_platform_admin) return true;
  const role = org?.role;
  return !!role && ROLE_PERMISSIONS[role].includes(Permission.ENVIRONMENTS_CREATE);
}

export const useSanitizationRules = (projectId: string | undefined) =>
  useQuery({ queryKey: ['sanitization-rules', projectId], queryFn: () => trpc.projects.sanitizationRules.query({ id: projectId ?? '' }), enabled: !!projectId });
