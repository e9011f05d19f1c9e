import { describe, expect, it } from 'vitest';
import { AppError, Permission } from '@oec/shared';
import type { Role } from '@oec/shared';
import { canAssignRole, canSeeConnection, hasPermission, requirePermission, resolveAccess } from './permissions.js';
import type { Actor } from './permissions.js';

const ORG = '6f1c1a55-0d3f-4a57-9c1b-0a0c8c7b9e11';
const user: Actor = { id: 'u', email: 'u@example.com', name: 'u', isPlatformAdmin: false };
const admin: Actor = { ...user, isPlatformAdmin: true };

function thrown(fn: () => unknown): AppError | null {
  try {
    fn();
    return null;
  } catch (e) {
    return e instanceof AppError ? e : null;
  }
}

describe('resolveAccess', () => {
  it('answers not found (with the resource code) to non-members, never forbidden', () => {
    const err = thrown(() => resolveAccess(user, ORG, null, 'ENVIRONMENT_NOT_FOUND', 'e1'));
    expect(err?.code).toBe('ENVIRONMENT_NOT_FOUND');
    expect(err?.http).toBe(404);
  });

  it('lets platform admins in without a membership', () => {
    expect(resolveAccess(admin, ORG, null, 'SERVER_NOT_FOUND')).toEqual({
      organizationId: ORG,
      role: null,
      isPlatformAdmin: true,
    });
  });
});

describe('permissions by role', () => {
  const access = (role: Role) => resolveAccess(user, ORG, role, 'PROJECT_NOT_FOUND');

  it('follows ROLE_PERMISSIONS', () => {
    expect(hasPermission(access('viewer'), Permission.ENVIRONMENTS_READ)).toBe(true);
    expect(hasPermission(access('viewer'), Permission.ENVIRONMENTS_CREATE)).toBe(false);
    expect(hasPermission(access('developer'), Permission.ENVIRONMENTS_CREATE)).toBe(true);
    expect(hasPermission(access('developer'), Permission.ENVIRONMENTS_DELETE)).toBe(false);
    expect(hasPermission(access('admin'), Permission.SERVERS_MANAGE)).toBe(true);
  });

  it('throws PERMISSION_DENIED (403) naming the permission', () => {
    const err = thrown(() => requirePermission(access('viewer'), Permission.ENVIRONMENTS_CREATE));
    expect(err?.code).toBe('PERMISSION_DENIED');
    expect(err?.http).toBe(403);
    expect(err?.details).toEqual({ permission: 'project.environments.create', role: 'viewer' });
  });

  it('shows connections to owners, admins and platform admins only', () => {
    expect(canSeeConnection(access('owner'))).toBe(true);
    expect(canSeeConnection(access('admin'))).toBe(true);
    expect(canSeeConnection(access('developer'))).toBe(false);
    expect(canSeeConnection(resolveAccess(admin, ORG, null, 'PROJECT_NOT_FOUND'))).toBe(true);
  });

  it('keeps the owner role in the hands of owners', () => {
    expect(canAssignRole(access('admin'), null, 'developer')).toBe(true);
    expect(canAssignRole(access('admin'), null, 'owner')).toBe(false);
    expect(canAssignRole(access('admin'), 'owner', 'viewer')).toBe(false);
    expect(canAssignRole(access('owner'), 'owner', 'viewer')).toBe(true);
    expect(canAssignRole(access('developer'), null, 'viewer')).toBe(false);
  });
});
