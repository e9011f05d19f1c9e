// Dashboard sessions: email + password or a one-time link in, an API token (the same HS256 JWT
// the CLI's `token` prints) out; the signed-in user; setting one's own password. Failures say
// "invalid email or password" whatever was wrong, so they do not reveal which emails exist.
import { AppError, ErrorCode } from '@oec/shared';
import type { AuthUser, Session, SetPassword } from '@oec/shared';
import type { Clock } from '../clock.js';
import type { Db, Queryable } from '../db/pool.js';
import { signToken } from './jwt.js';
import { hashPassword, verifyPassword } from './passwords.js';
import { consumeSignInLink } from './sign-in-links.js';

/** A dashboard session lasts a working day; the user signs in again after. */
export const SESSION_TTL_SECONDS = 12 * 3600;

export interface SessionDeps {
  db: Db;
  clock: Clock;
  settings: { jwtSecret: string };
}

interface UserRow {
  id: string;
  email: string;
  name: string;
  is_platform_admin: boolean;
  password_hash: string | null;
}

const USER_SELECT = 'SELECT id, email, name, is_platform_admin, password_hash FROM users';

function toAuthUser(row: UserRow): AuthUser {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    is_platform_admin: row.is_platform_admin,
    has_password: row.password_hash !== null,
  };
}

async function userById(q: Queryable, id: string): Promise<UserRow | null> {
  const { rows } = await q.query<UserRow>(`${USER_SELECT} WHERE id = $1`, [id]);
  return rows[0] ?? null;
}

async function sessionFor(deps: SessionDeps, row: UserRow): Promise<Session> {
  const now = deps.clock.now();
  const token = await signToken(deps.settings.jwtSecret, row.id, SESSION_TTL_SECONDS, now);
  return { token, expires_at: new Date(now.getTime() + SESSION_TTL_SECONDS * 1000).toISOString(), user: toAuthUser(row) };
}

export async function login(deps: SessionDeps, email: string, password: string): Promise<Session> {
  const { rows } = await deps.db.query<UserRow>(`${USER_SELECT} WHERE lower(email) = lower($1)`, [email.trim()]);
  const row = rows[0];
  const ok = await verifyPassword(password, row?.password_hash ?? null);
  if (!row || !ok) throw new AppError(ErrorCode.UNAUTHENTICATED, 'Invalid email or password');
  return sessionFor(deps, row);
}

export async function exchangeSignInLink(deps: SessionDeps, token: string): Promise<Session> {
  const userId = await consumeSignInLink(deps.db, deps.clock, token);
  const row = userId ? await userById(deps.db, userId) : null;
  if (!row) throw new AppError(ErrorCode.UNAUTHENTICATED, 'This sign-in link is invalid, expired or already used');
  return sessionFor(deps, row);
}

export async function currentUser(deps: SessionDeps, userId: string): Promise<AuthUser> {
  const row = await userById(deps.db, userId);
  if (!row) throw new AppError(ErrorCode.UNAUTHENTICATED, 'Token subject is not a known user');
  return toAuthUser(row);
}

/**
 * Set the user's own password. A user who has one must give it (a stolen session alone cannot
 * lock its owner out); a user invited without one (signed in by link) sets a first one.
 */
export async function setOwnPassword(deps: SessionDeps, userId: string, input: SetPassword): Promise<AuthUser> {
  const row = await userById(deps.db, userId);
  if (!row) throw new AppError(ErrorCode.UNAUTHENTICATED, 'Token subject is not a known user');
  if (row.password_hash !== null && !(await verifyPassword(input.current_password ?? '', row.password_hash))) {
    throw new AppError(ErrorCode.VALIDATION_ERROR, 'The current password is wrong', {
      fields: [{ path: 'current_password', message: 'does not match' }],
    });
  }
  await setPassword(deps.db, userId, input.password, deps.clock.now());
  return toAuthUser({ ...row, password_hash: 'set' });
}

/** Store a new password hash for a user (CLI bootstrap and the set-password endpoint). */
export async function setPassword(q: Queryable, userId: string, password: string, now: Date): Promise<void> {
  await q.query('UPDATE users SET password_hash = $2, password_set_at = $3 WHERE id = $1', [
    userId,
    await hashPassword(password),
    now,
  ]);
}
