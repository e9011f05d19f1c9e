// Turns an Authorization header into the acting user: bearer JWT verified with the configured
// secret, then the user looked up (a token for a deleted user is worthless).
import { AppError, ErrorCode } from '@oec/shared';
import type { Role } from '@oec/shared';
import type { Clock } from '../clock.js';
import type { Queryable } from '../db/pool.js';
import { bearerToken, verifyToken } from './jwt.js';
import type { Actor } from './permissions.js';

export interface AuthDeps {
  db: Queryable;
  clock: Clock;
  settings: { jwtSecret: string };
}

export async function authenticate(deps: AuthDeps, authorization: string | null | undefined): Promise<Actor> {
  const userId = await verifyToken(deps.settings.jwtSecret, bearerToken(authorization), deps.clock.now());
  const { rows } = await deps.db.query<{ id: string; email: string; name: string; is_platform_admin: boolean }>(
    'SELECT id, email, name, is_platform_admin FROM users WHERE id = $1',
    [userId],
  );
  const row = rows[0];
  if (!row) throw new AppError(ErrorCode.UNAUTHENTICATED, 'Token subject is not a known user');
  return { id: row.id, email: row.email, name: row.name, isPlatformAdmin: row.is_platform_admin };
}

/** The actor's active membership role in an organization, or null. */
export async function membershipRole(q: Queryable, userId: string, organizationId: string): Promise<Role | null> {
  const { rows } = await q.query<{ role: Role }>(
    'SELECT role FROM memberships WHERE user_id = $1 AND organization_id = $2 AND active',
    [userId, organizationId],
  );
  return rows[0]?.role ?? null;
}
