// Permission resolution (pure): an actor's access to an organization comes from its active
// membership role (ROLE_PERMISSIONS) or from the platform-admin flag. Objects of organizations
// the actor cannot see answer "not found", never "forbidden", so ids do not leak.
import { AppError, ErrorCode, Permission, ROLE_PERMISSIONS } from '@oec/shared';
import type { Role } from '@oec/shared';

export interface Actor {
  id: string;
  email: string;
  name: string;
  isPlatformAdmin: boolean;
}

export interface OrgAccess {
  organizationId: string;
  /** The actor's active membership role; null for a platform admin who is not a member. */
  role: Role | null;
  isPlatformAdmin: boolean;
}

export type NotFoundCode =
  | typeof ErrorCode.ORGANIZATION_NOT_FOUND
  | typeof ErrorCode.PROJECT_NOT_FOUND
  | typeof ErrorCode.ENVIRONMENT_NOT_FOUND
  | typeof ErrorCode.SERVER_NOT_FOUND
  | typeof ErrorCode.CLONE_NOT_FOUND;

const NOT_FOUND_MESSAGES: Record<NotFoundCode, string> = {
  ORGANIZATION_NOT_FOUND: 'Organization not found',
  PROJECT_NOT_FOUND: 'Project not found',
  ENVIRONMENT_NOT_FOUND: 'Environment not found',
  SERVER_NOT_FOUND: 'Server not found',
  CLONE_NOT_FOUND: 'Clone operation not found',
};

export function notFound(code: NotFoundCode, id?: string): AppError {
  return new AppError(code, NOT_FOUND_MESSAGES[code], id === undefined ? undefined : { id });
}

/** Access to an organization, or a not-found error when the actor may not even see it. */
export function resolveAccess(
  actor: Actor,
  organizationId: string,
  role: Role | null,
  notFoundCode: NotFoundCode,
  objectId?: string,
): OrgAccess {
  if (role === null && !actor.isPlatformAdmin) throw notFound(notFoundCode, objectId);
  return { organizationId, role, isPlatformAdmin: actor.isPlatformAdmin };
}

export function hasPermission(access: OrgAccess, permission: Permission): boolean {
  if (access.isPlatformAdmin) return true;
  return access.role !== null && ROLE_PERMISSIONS[access.role].includes(permission);
}

export function requirePermission(access: OrgAccess, permission: Permission): void {
  if (!hasPermission(access, permission)) {
    throw new AppError(ErrorCode.PERMISSION_DENIED, `Missing permission ${permission}`, {
      permission,
      role: access.role,
    });
  }
}

/** Database connection details are shown to organization owners and admins only. */
export function canSeeConnection(access: OrgAccess): boolean {
  return access.isPlatformAdmin || access.role === 'owner' || access.role === 'admin';
}

/** Only owners (and platform admins) may hand out or take away the owner role. */
export function canAssignRole(access: OrgAccess, current: Role | null, next: Role): boolean {
  if (!hasPermission(access, Permission.MEMBERS_MANAGE)) return false;
  if (access.isPlatformAdmin || access.role === 'owner') return true;
  return next !== 'owner' && current !== 'owner';
}
