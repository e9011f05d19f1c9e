// Inviting a member to the dashboard: an organization admin (members.manage) gets a one-time
// sign-in link for an active member who has no password yet; the member opens it, is signed in
// and sets a password (POST /auth/password). A member with a password is refused (409), so the
// link can never be used to sign in as someone who already has their own credentials.
import { AppError, ErrorCode, Permission } from '@oec/shared';
import type { InviteLink, InviteLinkRequest } from '@oec/shared';
import type { Clock } from '../clock.js';
import type { Db } from '../db/pool.js';
import { organizationAccess } from '../services/access.js';
import type { Actor } from './permissions.js';
import { requirePermission } from './permissions.js';
import { createSignInLink } from './sign-in-links.js';

export const INVITE_TTL_SECONDS = 24 * 3600;

export async function inviteLink(deps: { db: Db; clock: Clock }, actor: Actor, input: InviteLinkRequest): Promise<InviteLink> {
  const access = await organizationAccess(deps.db, actor, input.organization_id);
  requirePermission(access, Permission.MEMBERS_MANAGE);
  const { rows } = await deps.db.query<{ id: string; email: string; has_password: boolean }>(
    `SELECT u.id, u.email, u.password_hash IS NOT NULL AS has_password
       FROM users u JOIN memberships m ON m.user_id = u.id
      WHERE m.organization_id = $1 AND m.active AND lower(u.email) = lower($2)`,
    [input.organization_id, input.email],
  );
  const member = rows[0];
  if (!member) throw new AppError(ErrorCode.USER_NOT_FOUND, `No active member ${input.email} in this organization`);
  if (member.has_password) {
    throw new AppError(ErrorCode.CONFLICT, `${member.email} has set a password already and signs in with it`);
  }
  const { token, expiresAt } = await createSignInLink(deps.db, deps.clock, member.id, INVITE_TTL_SECONDS);
  return { email: member.email, token, expires_at: expiresAt.toISOString() };
}
