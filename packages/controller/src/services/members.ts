// Organization members: listing, and adding (or re-roling) a member by email, creating the user
// when it does not exist yet. Only owners hand out or take away the owner role, and an
// organization always keeps at least one active owner.
import { AppError, ErrorCode, Permission } from '@oec/shared';
import type { AddMember, Member, Role } from '@oec/shared';
import type { Actor } from '../auth/permissions.js';
import { canAssignRole, requirePermission } from '../auth/permissions.js';
import type { AppDeps } from '../deps.js';
import { organizationAccess } from './access.js';

type Deps = Pick<AppDeps, 'db' | 'ids'>;

interface MemberRow {
  user_id: string;
  email: string;
  role: Role;
  active: boolean;
}

const MEMBER_SELECT = `SELECT m.user_id, u.email, m.role, m.active
  FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.organization_id = $1`;

export async function listMembers(deps: Deps, actor: Actor, organizationId: string): Promise<Member[]> {
  const access = await organizationAccess(deps.db, actor, organizationId);
  requirePermission(access, Permission.ENVIRONMENTS_READ);
  const { rows } = await deps.db.query<MemberRow>(`${MEMBER_SELECT} ORDER BY m.created_at, u.email`, [organizationId]);
  return rows;
}

export async function addMember(deps: Deps, actor: Actor, organizationId: string, input: AddMember): Promise<Member> {
  const access = await organizationAccess(deps.db, actor, organizationId);
  requirePermission(access, Permission.MEMBERS_MANAGE);
  return deps.db.tx(async (q) => {
    await q.query('SELECT id FROM organizations WHERE id = $1 FOR UPDATE', [organizationId]);
    await q.query(
      `INSERT INTO users (id, email, name) VALUES ($1, $2, $3) ON CONFLICT ((lower(email))) DO NOTHING`,
      [deps.ids.uuid(), input.email, input.email.split('@')[0] ?? input.email],
    );
    const { rows: users } = await q.query<{ id: string }>('SELECT id FROM users WHERE lower(email) = lower($1)', [
      input.email,
    ]);
    const userId = (users[0] as { id: string }).id;
    const { rows: current } = await q.query<{ role: Role; active: boolean }>(
      'SELECT role, active FROM memberships WHERE organization_id = $1 AND user_id = $2',
      [organizationId, userId],
    );
    const currentRole = current[0]?.active ? current[0].role : null;
    if (!canAssignRole(access, currentRole, input.role)) {
      throw new AppError(ErrorCode.PERMISSION_DENIED, 'Only owners can grant or revoke the owner role', {
        role: input.role,
      });
    }
    if (currentRole === 'owner' && input.role !== 'owner') {
      const { rows } = await q.query<{ n: number }>(
        `SELECT COUNT(*)::int AS n FROM memberships WHERE organization_id = $1 AND role = 'owner' AND active`,
        [organizationId],
      );
      if ((rows[0]?.n ?? 0) <= 1) {
        throw new AppError(ErrorCode.CONFLICT, 'An organization must keep at least one owner');
      }
    }
    await q.query(
      `INSERT INTO memberships (organization_id, user_id, role) VALUES ($1, $2, $3)
       ON CONFLICT (organization_id, user_id) DO UPDATE SET role = EXCLUDED.role, active = true`,
      [organizationId, userId, input.role],
    );
    const { rows } = await q.query<MemberRow>(`${MEMBER_SELECT} AND m.user_id = $2`, [organizationId, userId]);
    return rows[0] as MemberRow;
  });
}
